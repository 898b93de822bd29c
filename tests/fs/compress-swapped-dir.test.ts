/**
 * A directory swapped for a symlink to an outside tree between logclean examining a log and
 * compressing it: the compression must read, create and remove nothing outside the root, and
 * name the log as skipped. Raced deterministically: in-process with the beforeAct hook, and
 * under the compiled binary with a fanotify permission event holding the reads of the
 * compressions that fill the pool, so the swap lands after the walk and before this log's turn.
 */

import { dlopen, FFIType, ptr } from "bun:ffi";
import { beforeAll, describe, expect, test } from "bun:test";
import { linkSync, readdirSync, renameSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { type CleanEvent, clean } from "../../lib/fs/clean/clean.ts";
import { toText } from "../../lib/fs/path.ts";
import { compiledTool } from "../helpers/compiled.ts";
import { cleanOptions } from "./clean-options.ts";
import { onceAt } from "./once-at.ts";
import { compressHeld, logcleanWays } from "./read-gate.ts";
import { differences, dir, exists, file, publicCopy, snapshot, tempDir } from "./tree.ts";

/**
 * root/a/b/c/app.log is due for compression, and so are root/z1.log and root/z2.log (two names
 * of one file: the binary test holds its reads). outside/b/c/app.log is a hard link of the
 * victim, so a compression that follows root/a once it leads outside finds "the examined file"
 * there (same inode, size and mtime) and would gzip it into outside/b/c and remove it there.
 */
function world(name: string) {
  const base = tempDir(`gzswap-${name}`);
  const root = dir(join(base, "logs"));
  const victim = join(dir(join(root, "a", "b", "c")), "app.log");
  file(victim, 3, 5000);
  const outside = dir(join(base, "outside"));
  const lookalike = join(dir(join(outside, "b", "c")), "app.log");
  linkSync(victim, lookalike);
  const sibling = join(root, "z1.log");
  file(sibling, 3, 5000);
  linkSync(sibling, join(root, "z2.log"));
  const moved = join(base, "moved-a");
  /**
   * root/a moves away (it leaves the root) and a symlink to outside takes its place, in one step
   * (RENAME_EXCHANGE): a rename then a symlink left a moment with no root/a, and logclean then
   * rightly skipped the log as vanished instead of meeting the symlink this test is about.
   */
  const swap = () => {
    const link = join(base, "link-to-outside");
    symlinkSync(outside, link);
    exchange(join(root, "a"), link);
    renameSync(link, moved);
  };
  return { root, victim, outside, lookalike, sibling, moved, swap };
}

/** renameat2(RENAME_EXCHANGE): two names swap their files atomically. */
function exchange(a: string, b: string): void {
  const { renameat2 } = dlopen("libc.so.6", {
    renameat2: {
      args: [FFIType.i32, FFIType.cstring, FFIType.i32, FFIType.cstring, FFIType.u32],
      returns: FFIType.i32,
    },
  }).symbols;
  const atFdcwd = -100;
  const renameExchange = 2;
  const cstring = (path: string) => ptr(Buffer.from(`${path}\0`));
  if (renameat2(atFdcwd, cstring(a), atFdcwd, cstring(b), renameExchange) !== 0)
    throw new Error(`renameat2(RENAME_EXCHANGE) of ${a} and ${b} failed`);
}

type World = ReturnType<typeof world>;

/** Nothing outside changed or was read; what moved out with root/a was not compressed either. */
function expectNothingOutside(w: World, before: Map<string, unknown>, atimeBefore: number) {
  expect(differences(before as never, snapshot(w.outside))).toEqual([]);
  // The hard link shares the victim's inode: a read of either would move its atime (relatime).
  expect(statSync(w.lookalike).atimeMs).toBe(atimeBefore);
  expect(readdirSync(join(w.moved, "b", "c"))).toEqual(["app.log"]);
  // The rest of the root is compressed as usual.
  expect(exists(`${w.sibling}.gz`)).toBe(true);
  expect(exists(join(w.root, "z2.log.gz"))).toBe(true);
  expect(readdirSync(w.root).sort()).toEqual(["a", "z1.log.gz", "z2.log.gz"]);
}

describe("a directory swapped for a symlink before its log is compressed", () => {
  test("engine: nothing outside the root is read, created or removed; the log is skipped", async () => {
    const w = world("engine");
    const before = snapshot(w.outside);
    const atimeBefore = statSync(w.lookalike).atimeMs;
    const once = onceAt(w.victim, w.swap);
    const events: CleanEvent[] = [];
    const summary = await clean(
      cleanOptions(w.root, {
        days: 60,
        compressAfter: 1,
        beforeAct: (planned) => once.at(planned.path),
      }),
      (event) => events.push(event),
    );
    expect(once.fired).toBe(1);
    expectNothingOutside(w, before, atimeBefore);
    const victims = events.filter((e) => toText(e.path) === w.victim);
    expect(victims).toEqual([
      { event: "skip", path: w.victim, reason: expect.stringMatching(/replaced|symlink/) },
    ]);
    expect(summary).toMatchObject({ compressed: 2, skipped: 1, errors: 0 });
  });
});

describe("a directory swapped for a symlink before its log is compressed, compiled logclean", () => {
  let bin: string;
  let home: string;
  beforeAll(async () => {
    home = tempDir("gzswap-home");
    bin = publicCopy(await compiledTool("logclean"), home);
  }, 120_000);

  // fanotify needs root, as the suite's other race tests do.
  for (const way of logcleanWays)
    test(`nothing outside the root is read, created or removed (${way.name})`, async () => {
      const w = world(`bin-${way.name.replace(/\W+/g, "-")}`);
      const before = snapshot(w.outside);
      const atimeBefore = statSync(w.lookalike).atimeMs;
      // z1 and z2 (one inode) fill the two compression slots and their reads are held: the
      // victim's compression waits for a slot, after the walk (--max-delete plans everything
      // first), and the swap lands right there.
      const { exitCode, records, stderr, reads } = await compressHeld(
        { bin, home, env: way.env },
        w.root,
        w.sibling,
        w.swap,
      );
      expect(reads).toBeGreaterThan(0);
      expectNothingOutside(w, before, atimeBefore);
      const victims = records.filter((r) => r.path === w.victim);
      expect(victims).toEqual([
        expect.objectContaining({
          event: "skip",
          reason: expect.stringMatching(/replaced|symlink/),
        }),
      ]);
      expect(records.at(-1)).toMatchObject({ event: "summary", compressed: 2, errors: 0 });
      expect(stderr).toContain(w.victim);
      expect(exitCode).toBe(0);
    });
});
