/**
 * logclean's engine when logrotate (or the app, or kubelet) removes a log or a whole directory
 * while the walk reads them: gone before it was examined is a skip, as gone before the unlink is,
 * not a failure that makes a cron run exit 1. A root that is gone stays an error.
 */
import { describe, expect, spyOn, test } from "bun:test";
import { renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type CleanEvent, type CleanOptions, clean } from "../../lib/fs/clean/clean.ts";
import { nativeFs } from "../../lib/fs/native/dir.ts";
import { toText } from "../../lib/fs/path.ts";
import { cleanOptions } from "./clean-options.ts";
import { dir, exists, file, tempDir } from "./tree.ts";

async function run(opts: CleanOptions) {
  const events: CleanEvent[] = [];
  const summary = await clean(opts, (event) => events.push(event));
  return { summary, events };
}

describe("clean engine: logs and directories that vanish during the walk", () => {
  test("a directory removed between its parent's read and its own is skipped, not an error", async () => {
    const root = dir(join(tempDir("vanished-dir"), "logs"));
    const gone = dir(join(root, "pod-1234"));
    file(join(gone, "app.log"), 30);
    file(join(root, "old.log"), 30);
    const { summary, events } = await run(
      cleanOptions(root, {
        beforeOpenDir: (path) => {
          if (toText(path) === gone) rmSync(gone, { recursive: true });
        },
      }),
    );
    expect(events.filter((event) => event.event === "error")).toEqual([]);
    expect(events).toContainEqual({
      event: "skip",
      path: gone,
      reason: "vanished before it was read",
    });
    expect(summary).toMatchObject({ errors: 0, skipped: 1, deleted: 1 });
    expect(exists(join(root, "old.log"))).toBe(false);
  });

  test("a log renamed away between the directory's read and its stat is skipped, not an error", async () => {
    const native = nativeFs();
    if (!native) return; // the node:fs walk lists and stats in one go
    const root = dir(join(tempDir("vanished-log"), "logs"));
    const log = join(root, "app.log");
    file(log, 30);
    const statEntry = native.statEntry.bind(native);
    const spy = spyOn(native, "statEntry").mockImplementation((fd, start) => {
      if (exists(log)) renameSync(log, `${log}.1`); // logrotate at work
      return statEntry(fd, start);
    });
    try {
      // The spy is on the JavaScript walk's stat (clean-compiled.test.ts covers the threads').
      const { summary, events } = await run(cleanOptions(root, { walker: "javascript" }));
      expect(events).toEqual([
        { event: "skip", path: log, reason: "vanished before it was examined" },
      ]);
      expect(summary).toMatchObject({ errors: 0, skipped: 1, deleted: 0 });
    } finally {
      spy.mockRestore();
    }
    expect(exists(`${log}.1`)).toBe(true);
  });

  test("a root that is gone when the walk starts is still an error", async () => {
    const root = dir(join(tempDir("vanished-root"), "logs"));
    const opts = cleanOptions(root);
    rmSync(root, { recursive: true });
    const { summary, events } = await run(opts);
    expect(events).toEqual([expect.objectContaining({ event: "error", code: "ENOENT" })]);
    expect(summary.errors).toBe(1);
  });
});
