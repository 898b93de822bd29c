/**
 * The compiled logclean --compress-after on a filesystem that fills up mid-gzip (a small tmpfs;
 * Linux, root): the log must survive whole, no temp may stay behind, and the error must say why.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compiledTool } from "../helpers/compiled.ts";
import { logcleanWays } from "./read-gate.ts";
import { dir, publicCopy, tempDir } from "./tree.ts";

let bin: string;
let home: string;
const mounts: string[] = [];

beforeAll(async () => {
  home = tempDir("home");
  bin = publicCopy(await compiledTool("logclean"), home);
}, 120_000);

afterAll(() => {
  for (const point of mounts.reverse()) Bun.spawnSync(["umount", "-l", point]);
});

/** A 512 KiB tmpfs holding `logs/` with one 400 KiB log of random bytes (its gzip is as big). */
function fullDisk(name: string) {
  const point = dir(join(tempDir(`logclean-${name}`), "volume"));
  const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", point]);
  if (mounted.exitCode !== 0) throw new Error(`mount: ${mounted.stderr.toString()}`);
  mounts.push(point);
  const logs = dir(join(point, "logs"));
  const log = join(logs, "big.log");
  const content = Buffer.from(crypto.getRandomValues(new Uint8Array(400 * 1024)));
  writeFileSync(log, content);
  const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
  utimesSync(log, threeDaysAgo, threeDaysAgo);
  return { logs, log, content };
}

describe("logclean --compress-after on a full disk (compiled)", () => {
  for (const way of logcleanWays)
    test(`ENOSPC mid-gzip: the log is kept whole, no temp is left, the error says ENOSPC (${way.name})`, async () => {
      const { logs, log, content } = fullDisk(way.name.replace(/\W+/g, "-"));
      const mtime = statSync(log).mtimeMs;
      const proc = Bun.spawn([bin, logs, "--compress-after", "1", "--days", "7", "--json"], {
        stdout: "pipe",
        stderr: "pipe",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, ...way.env },
      });
      const [exitCode, stdout] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
      const records = stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      expect(exitCode).toBe(1);
      expect(records.filter((record) => record.event === "error")).toEqual([
        {
          event: "error",
          path: log,
          op: "compress",
          code: "ENOSPC",
          message: expect.stringContaining("no space left on device"),
        },
      ]);
      expect(records.at(-1)).toMatchObject({ event: "summary", compressed: 0, errors: 1 });
      expect(readdirSync(logs)).toEqual(["big.log"]);
      expect(readFileSync(log).equals(content)).toBe(true);
      expect(statSync(log).mtimeMs).toBe(mtime);
    });
});
