/**
 * A directory inside the root moved out of it whole (same dev/ino, wherever it now is) and a
 * symlink to its new place planted where it was, between the walk examining its logs and acting
 * on them: root/a/b/c then leads, through root/a, to the very directory the walk read. Deletions
 * and compressions must not follow it out of the root (they reopen the directory below a
 * descriptor of the root, never through a symlink). Raced deterministically: in-process with the
 * beforeAct hook, and under the compiled binary with a fanotify gate holding the compressions that
 * fill the pool, so the move lands after the walk (--max-delete plans everything first) and before
 * root/a/b/c's turn.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { linkSync, readdirSync, renameSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { type CleanEvent, clean } from "../../lib/fs/clean/clean.ts";
import { nativeFs } from "../../lib/fs/native/dir.ts";
import { toText } from "../../lib/fs/path.ts";
import { compiledTool } from "../helpers/compiled.ts";
import { cleanOptions } from "./clean-options.ts";
import { onceAt } from "./once-at.ts";
import { compressHeld, logcleanWays } from "./read-gate.ts";
import { dir, exists, file, publicCopy, tempDir } from "./tree.ts";

/**
 * root/a/b/c holds what `fill` puts there; root/first.log is an old log of the root itself. The
 * move takes root/a to base/elsewhere/a and plants root/a -> base/elsewhere/a; with it, an old
 * log the walk never examined appears in the moved directory (it must survive every way).
 */
function world(name: string, fill: (c: string) => void) {
  const base = tempDir(`moved-${name}`);
  const root = dir(join(base, "logs"));
  const c = dir(join(root, "a", "b", "c"));
  fill(c);
  const first = join(root, "first.log");
  file(first, 90);
  const elsewhere = dir(join(base, "elsewhere"));
  const moved = join(elsewhere, "a");
  const movedC = join(moved, "b", "c");
  const move = () => {
    renameSync(join(root, "a"), moved);
    symlinkSync(moved, join(root, "a"));
    file(join(movedC, "planted-old.log"), 90);
  };
  return { root, c, first, moved, movedC, move };
}

/** What the moved directory held before the run, and the atime of each of its files. */
function state(c: string) {
  const names = readdirSync(c).sort();
  return { names, atimes: names.map((name) => statSync(join(c, name)).atimeMs) };
}

const native = nativeFs();
const savedOpenat2 = native?.useOpenat2;
afterEach(() => {
  if (native && savedOpenat2 !== undefined) native.useOpenat2 = savedOpenat2;
});

const openFds = () => readdirSync("/proc/self/fd").length;

for (const way of [
  { name: "openat2", openat2: true },
  { name: "openat step by step (no openat2)", openat2: false },
] as const)
  describe(`a directory moved out of the root, symlink left in its place (engine, ${way.name})`, () => {
    const setUp = () => {
      if (!native) throw new Error("no native layer on this system");
      native.useOpenat2 = way.openat2;
    };

    test("its logs are not deleted where it went; they are reported as skipped", async () => {
      setUp();
      const w = world(`delete-${way.openat2}`, (c) => {
        file(join(c, "old1.log"), 90);
        file(join(c, "old2.log"), 90);
      });
      const fdsBefore = openFds();
      const once = onceAt(w.first, w.move);
      const events: CleanEvent[] = [];
      const summary = await clean(
        cleanOptions(w.root, {
          // Everything planned first, then acted on: root/first.log goes before root/a/b/c.
          maxDelete: 100,
          beforeAct: (planned) => once.at(planned.path),
        }),
        (event) => events.push(event),
      );
      expect(once.fired).toBe(1);
      expect(readdirSync(w.movedC).sort()).toEqual(["old1.log", "old2.log", "planted-old.log"]);
      expect(exists(w.first)).toBe(false);
      const inC = events.filter((e) => toText(e.path).startsWith(`${w.c}/`));
      expect(inC.map((e) => [e.event, toText(e.path)]).sort()).toEqual([
        ["skip", join(w.c, "old1.log")],
        ["skip", join(w.c, "old2.log")],
      ]);
      for (const event of inC)
        expect(event).toMatchObject({ reason: expect.stringMatching(/replaced/) });
      expect(summary).toMatchObject({ deleted: 1, skipped: 2, errors: 0 });
      expect(openFds()).toBe(fdsBefore);
    });

    test("its log is not compressed where it went; it is reported as skipped", async () => {
      setUp();
      const w = world(`compress-${way.openat2}`, (c) => file(join(c, "app.log"), 3, 5000));
      const victim = join(w.c, "app.log");
      const before = state(w.c);
      const fdsBefore = openFds();
      const once = onceAt(victim, w.move);
      const events: CleanEvent[] = [];
      const summary = await clean(
        cleanOptions(w.root, {
          days: 60,
          compressAfter: 1,
          // Right before the compression itself: the directory was already checked for the plan.
          beforeAct: (planned) => once.at(planned.path),
        }),
        (event) => events.push(event),
      );
      expect(once.fired).toBe(1);
      expect(readdirSync(w.movedC).sort()).toEqual([...before.names, "planted-old.log"].sort());
      expect(statSync(join(w.movedC, "app.log")).atimeMs).toBe(before.atimes[0] as number);
      expect(events.filter((e) => toText(e.path) === victim)).toEqual([
        { event: "skip", path: victim, reason: expect.stringMatching(/replaced/) },
      ]);
      expect(summary).toMatchObject({ compressed: 0, deleted: 1, skipped: 1, errors: 0 });
      expect(openFds()).toBe(fdsBefore);
    });
  });

describe("a directory moved out of the root, symlink left in its place (compiled logclean)", () => {
  let bin: string;
  let home: string;
  beforeAll(async () => {
    home = tempDir("moved-home");
    bin = publicCopy(await compiledTool("logclean"), home);
  }, 120_000);

  // fanotify needs root, as the suite's other race tests do.
  for (const way of logcleanWays)
    test(`nothing in the moved directory is deleted or compressed (${way.name})`, async () => {
      // root/a/b/c: an old log (deleted, on the remover Worker natively) and a log to compress.
      const w = world(`bin-${way.name.replace(/\W+/g, "-")}`, (c) => {
        file(join(c, "old.log"), 90);
        file(join(c, "app.log"), 3, 5000);
      });
      // z1, z2 and z3, one inode: two fill the compression pool with their reads held, the third
      // waits for a slot, and root/a/b/c's turn waits behind it: the move lands there.
      const z1 = join(w.root, "z1.log");
      file(z1, 3, 5000);
      linkSync(z1, join(w.root, "z2.log"));
      linkSync(z1, join(w.root, "z3.log"));
      const before = state(w.c);
      const { exitCode, records, stderr, reads } = await compressHeld(
        { bin, home, env: way.env },
        w.root,
        z1,
        w.move,
      );
      expect(reads).toBeGreaterThan(0);
      const eventOf = (name: string) =>
        records.filter((r) => r.path === join(w.c, name)).map((r) => r.event);
      // The log to compress: never read, compressed or removed where it went, every way (node:fs
      // checks the directory still resolves to itself, realpath, before compressing).
      expect(eventOf("app.log")).toEqual(["skip"]);
      expect(statSync(join(w.movedC, "app.log")).atimeMs).toBe(
        before.atimes[before.names.indexOf("app.log")] as number,
      );
      expect(exists(join(w.movedC, "app.log.gz"))).toBe(false);
      // A log the walk never examined is never touched, every way.
      expect(exists(join(w.movedC, "planted-old.log"))).toBe(true);
      // node:fs enters the directory by path (chdir follows root/a): it checks it landed on the
      // walk's own (canonical) path, and refuses it like the native way.
      expect(eventOf("old.log")).toEqual(["skip"]);
      expect(readdirSync(w.movedC).sort()).toEqual(["app.log", "old.log", "planted-old.log"]);
      // The rest of the root is cleaned as usual.
      expect(exists(w.first)).toBe(false);
      expect(readdirSync(w.root).sort()).toEqual(["a", "z1.log.gz", "z2.log.gz", "z3.log.gz"]);
      expect(records.at(-1)).toMatchObject({
        event: "summary",
        compressed: 3,
        deleted: 1,
        skipped: 2,
        errors: 0,
      });
      expect(stderr).toContain(join(w.c, "app.log"));
      expect(exitCode).toBe(0);
    });
});
