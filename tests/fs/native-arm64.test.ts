/**
 * The linux-arm64 binaries, run under qemu-user: arm64 numbers O_DIRECTORY and O_NOFOLLOW unlike
 * x86 (there x86's values mean O_DIRECT and O_LARGEFILE), so a native layer built with x86's
 * numbers failed every open with EINVAL and would not have refused a symlink. ffind's threads
 * (walker.c, compiled at run time by TinyCC) are compiled for arm64 there too.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildInfoFor, compileTool } from "../../lib/build/compile.ts";
import { allTargets } from "../../lib/build/targets.ts";
import { run } from "../helpers/compiled.ts";
import { exists, file, tempDir } from "./tree.ts";

const root = resolve(import.meta.dir, "../..");
const arm64 = allTargets.find((target) => target.name === "linux-arm64");
// Debian's qemu-user-static and libc6-arm64-cross (tests/env/setup.sh installs both).
const qemu = ["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"];
let ffind: string;
let logclean: string;
let probe: string;

beforeAll(async () => {
  if (!arm64) throw new Error("no linux-arm64 target in lib/build/targets.ts");
  const outDir = tempDir("arm64-bin");
  const info = await buildInfoFor(root);
  const build = (tool: string, entry?: string) =>
    compileTool({
      root,
      tool,
      target: arm64,
      outDir,
      info,
      outfile: join(outDir, tool),
      ...(entry ? { entry: resolve(root, entry) } : {}),
    });
  ffind = await build("ffind");
  logclean = await build("logclean");
  probe = await build("native-open-probe", "tests/fixtures/native-open-probe.ts");
}, 300_000);

describe("linux-arm64 native file layer (under qemu-user)", () => {
  test("directories open; a symlink is refused where it must be, step by step too", async () => {
    const base = tempDir("arm64-probe");
    mkdirSync(join(base, "d"));
    symlinkSync(join(base, "d"), join(base, "l"));
    const result = await run([...qemu, probe, base]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({
      arch: "arm64",
      dir: "opened",
      // O_NOFOLLOW | O_DIRECTORY on a symlink: ENOTDIR (ELOOP once the walker checks it).
      linkNoFollow: "ENOTDIR",
      linkFollow: "opened",
      beneathDir: "opened",
      beneathLink: "ELOOP",
    });
  }, 120_000);

  test("ffind and logclean work: find the logs, delete the old one only, gzip the middle one", async () => {
    const base = tempDir("arm64-tools");
    const logs = join(base, "logs");
    mkdirSync(join(logs, "app"), { recursive: true });
    file(join(logs, "app", "old.log"), 30);
    file(join(logs, "app", "new.log"), 0);
    // Compressed by name in the directory's descriptor: openat with O_CREAT|O_EXCL|O_NOFOLLOW.
    file(join(logs, "app", "mid.log"), 3);
    const found = await run([...qemu, ffind, logs, "--name", "*.log", "--sort"]);
    expect(found.stderr).toBe("");
    expect(found.stdout).toBe(`${logs}/app/mid.log\n${logs}/app/new.log\n${logs}/app/old.log\n`);
    // Unsorted, the walk runs on threads compiled for arm64 by TinyCC (lib/fs/native/walker.c).
    const threads = await run([...qemu, ffind, logs, "--name", "*.log", "--log-level", "debug"]);
    expect(threads.stdout.split("\n").sort()).toEqual([
      "",
      ...found.stdout.split("\n").filter(Boolean),
    ]);
    expect(threads.stderr).toContain('"walker":"compiled"');
    const below = await run([...qemu, ffind, logs, "--name", "*.log", "--count"], {
      env: { ...process.env, OPSCTL_FS_OPENAT2: "0" },
    });
    expect([below.exitCode, below.stdout, below.stderr]).toEqual([0, "3\n", ""]);
    const cleaned = await run([...qemu, logclean, logs, "--days", "7", "--compress-after", "1"], {
      env: { ...process.env, OPSCTL_FS_OPENAT2: "0" },
    });
    expect(cleaned.stderr).toBe("");
    expect(cleaned.exitCode).toBe(0);
    expect(exists(join(logs, "app", "old.log"))).toBe(false);
    expect(exists(join(logs, "app", "new.log"))).toBe(true);
    expect(readdirSync(join(logs, "app")).sort()).toEqual(["mid.log.gz", "new.log"]);
    // Without compression logclean runs on the compiled threads too (lib/fs/native/clean.c),
    // keeping the newest of two old logs.
    file(join(logs, "app", "a.log"), 20);
    file(join(logs, "app", "b.log"), 30);
    const threaded = await run([
      ...qemu,
      logclean,
      logs,
      "--keep-newest",
      "2",
      "--json",
      "--log-level",
      "debug",
    ]);
    expect(threaded.exitCode).toBe(0);
    expect(threaded.stderr).toContain('"walker":"compiled"');
    expect(threaded.stdout).toContain(`"path":"${logs}/app/b.log"`);
    expect(readdirSync(join(logs, "app")).sort()).toEqual(["a.log", "mid.log.gz", "new.log"]);
  }, 120_000);
});
