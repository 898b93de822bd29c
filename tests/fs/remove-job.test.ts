/** A remover job as a Worker receives it: raw-byte paths arrive as plain Uint8Arrays. */
import { describe, expect, test } from "bun:test";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { packFiles, runRemoveJob } from "../../lib/fs/clean/remove-job.ts";
import { tempDir } from "./tree.ts";

describe("runRemoveJob", () => {
  test("an error about a directory that is not UTF-8 names it as text, not as numbers", () => {
    const root = tempDir("remove-job-raw");
    const rawDir = Buffer.concat([Buffer.from(join(root, "app")), Buffer.from([0xff])]);
    mkdirSync(rawDir);
    const rootStat = statSync(root);
    const dirStat = statSync(rawDir);
    // What structured cloning makes of a Buffer: a Uint8Array, no longer a Buffer.
    const dir = new Uint8Array(rawDir);
    const stat = { dev: 1, ino: 2, mode: 0o100644, size: 3, mtimeMs: 4, atimeMs: 5 };
    const job = {
      id: 1,
      root: { real: root, dev: rootStat.dev, ino: rootStat.ino },
      dir,
      dev: dirStat.dev,
      ino: dirStat.ino,
      ...packFiles([{ name: "gone.log", path: join(root, "gone.log"), stat: stat as never }]),
    };
    const result = runRemoveJob(job);
    expect(result.problems).toHaveLength(1);
    const problem = result.problems[0]?.problem as { code: string; message: string };
    expect(problem.code).toBe("ENOENT");
    expect(problem.message).toContain(`${root}/app\uFFFD/gone.log`);
  });

  test("packFiles: names end to end as their exact bytes (multi-byte text, raw bytes), stats in order", () => {
    const stat = (n: number) => ({
      dev: n,
      ino: n + 1,
      mode: 0o100644,
      size: n + 2,
      mtimeMs: n + 0.5,
      atimeMs: n + 3,
    });
    const raw = Buffer.concat([
      Buffer.from("/logs/old-"),
      Buffer.from([0xe9, 0xff]),
      Buffer.from(".log"),
    ]);
    const packed = packFiles([
      { name: "café.log", path: "/logs/café.log", stat: stat(10) as never },
      { name: "old-\uFFFD\uFFFD.log", path: raw, stat: stat(20) as never },
      { name: "日志.log", path: "/logs/日志.log", stat: stat(30) as never },
    ]);
    const names = [0, 1, 2].map((i) =>
      Buffer.from(packed.names.subarray(i === 0 ? 0 : packed.ends[i - 1], packed.ends[i])),
    );
    expect(names).toEqual([
      Buffer.from("café.log"),
      Buffer.concat([Buffer.from("old-"), Buffer.from([0xe9, 0xff]), Buffer.from(".log")]),
      Buffer.from("日志.log"),
    ]);
    expect(packed.names.byteLength).toBe(packed.names.buffer.byteLength); // its own, transferable
    expect([...packed.stats.subarray(6, 12)]).toEqual([20, 21, 0o100644, 22, 20.5, 23]);
  });
});
