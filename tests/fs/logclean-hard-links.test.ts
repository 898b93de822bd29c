/**
 * Logs with other hard links (a backup tool's snapshot, `ln` by hand): deleting one frees nothing,
 * and compressing one adds a .gz beside data the other links keep. The compiled logclean reports
 * 0 bytes freed for both (it reported the log's size), on the native layer and on node:fs.
 */
import { expect, test } from "bun:test";
import { existsSync, linkSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { compiledTool, run } from "../helpers/compiled.ts";
import { dir, file, tempDir } from "./tree.ts";

for (const native of [true, false]) {
  test(`${native ? "native" : "node:fs"}: a linked log deleted or compressed frees 0 bytes`, async () => {
    const bin = await compiledTool("logclean");
    const base = tempDir("logclean-links");
    const logs = dir(join(base, "logs"));
    const keep = dir(join(base, "snapshot"));
    file(join(logs, "old.log"), 30, 4096);
    linkSync(join(logs, "old.log"), join(keep, "old.log"));
    file(join(logs, "mid.log"), 3, 4096);
    linkSync(join(logs, "mid.log"), join(keep, "mid.log"));
    file(join(logs, "alone.log"), 30, 1000);
    const logclean = async (...extra: string[]) => {
      const result = await run(
        [bin, logs, "--days", "7", "--compress-after", "1", "--json", ...extra],
        {
          env: { PATH: process.env.PATH, ...(native ? {} : { OPSCTL_FS_NATIVE: "0" }) },
        },
      );
      expect(result.exitCode).toBe(0);
      return result.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    };
    // The dry run says what the real run then does.
    const dryRun = await logclean("--dry-run");
    const real = await logclean();
    for (const events of [dryRun, real]) {
      const of = (name: string) => events.find((e) => String(e.path).endsWith(`/${name}`));
      expect(of("old.log")).toMatchObject({ event: "delete", bytes_freed: 0 });
      expect(of("alone.log")).toMatchObject({ event: "delete", bytes_freed: 1000 });
      // A dry run cannot know what a compression frees (null); the real one frees nothing here.
      expect(of("mid.log")).toMatchObject({
        event: "compress",
        bytes_freed: events === dryRun ? null : 0,
      });
      expect(events.at(-1)).toMatchObject({ event: "summary", bytes_freed: 1000, deleted: 2 });
    }
    expect(readdirSync(logs)).toEqual(["mid.log.gz"]);
    expect(existsSync(join(keep, "mid.log"))).toBe(true);
    expect(existsSync(join(keep, "old.log"))).toBe(true);
  }, 120_000);
}
