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
});
