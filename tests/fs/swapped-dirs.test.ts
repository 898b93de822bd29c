/**
 * A directory in the middle of a path swapped for a symlink to an outside tree between the walk
 * reading its parent and opening the child: the walk must not go on outside the root, and
 * logclean must delete nothing there. Raced deterministically with the walker's beforeOpenDir
 * hook (engine) and with a fanotify permission event that holds the parent's read (binary).
 */
import { afterEach, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { readdirSync, renameSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { type CleanEvent, clean } from "../../lib/fs/clean/clean.ts";
import { nativeFs } from "../../lib/fs/native/dir.ts";
import { libc } from "../../lib/fs/native/libc.ts";
import { toText } from "../../lib/fs/path.ts";
import { type WalkEntry, type WalkError, walk } from "../../lib/fs/walk.ts";
import { compiledTool } from "../helpers/compiled.ts";
import { cleanOptions } from "./clean-options.ts";
import { onceAt } from "./once-at.ts";
import { runHeld } from "./read-gate.ts";
import { differences, dir, exists, file, publicCopy, snapshot, tempDir } from "./tree.ts";

/**
 * root/a/b/c holds an old log, root/d another; outside/b/c (what root/a/b/c leads to once root/a
 * is a symlink to outside) holds old logs that must survive.
 */
function world(name: string) {
  const base = tempDir(`swapped-${name}`);
  const root = dir(join(base, "logs"));
  file(join(dir(join(root, "a", "b", "c")), "inside-old.log"), 30);
  file(join(dir(join(root, "d")), "sibling-old.log"), 30);
  const outside = dir(join(base, "outside"));
  file(join(dir(join(outside, "b", "c")), "precious.log"), 30);
  file(join(dir(join(outside, "b", "c", "deeper")), "precious-too.log"), 30);
  const victim = join(root, "a", "b", "c");
  /** root/a moves away (it leaves the root) and a symlink to outside takes its place. */
  const swap = () => {
    renameSync(join(root, "a"), join(base, "moved-a"));
    symlinkSync(outside, join(root, "a"));
  };
  return { base, root, outside, victim, swap };
}

const native = nativeFs();
const savedOpenat2 = native?.useOpenat2;
afterEach(() => {
  if (native && savedOpenat2 !== undefined) native.useOpenat2 = savedOpenat2;
});

/** Native walks below a root: openat2 where the kernel has it (5.6+), else step by step. */
const ways = [
  { name: "openat2", openat2: true },
  { name: "openat step by step (no openat2)", openat2: false },
] as const;

for (const way of ways)
  describe(`a middle directory swapped for a symlink, native walk (${way.name})`, () => {
    const setUp = () => {
      if (!native) throw new Error("no native layer on this system");
      native.useOpenat2 = way.openat2;
    };

    test("logclean deletes nothing outside the root and names the directory it did not enter", async () => {
      setUp();
      const { base, root, outside, victim, swap } = world(`clean-${way.openat2}`);
      const before = snapshot(outside);
      const hook = onceAt(victim, swap);
      const events: CleanEvent[] = [];
      const summary = await clean(cleanOptions(root, { beforeOpenDir: hook.at }), (event) =>
        events.push(event),
      );
      expect(hook.fired).toBe(1);
      expect(differences(before, snapshot(outside))).toEqual([]);
      // What moved out with root/a is outside now too: left alone.
      expect(exists(join(base, "moved-a", "b", "c", "inside-old.log"))).toBe(true);
      // The rest of the root is cleaned; the run reports the one directory (exit 1).
      expect(exists(join(root, "d", "sibling-old.log"))).toBe(false);
      const deleted = events.filter((e) => e.event === "delete").map((e) => toText(e.path));
      expect(deleted).toEqual([join(root, "d", "sibling-old.log")]);
      const errors = events.filter((e) => e.event === "error");
      expect(errors).toEqual([
        expect.objectContaining({ path: victim, op: "readdir", code: "ELOOP" }),
      ]);
      expect(summary.errors).toBe(1);
    });

    test("the walker yields nothing from outside and reports the directory once", async () => {
      setUp();
      const { root, victim, swap } = world(`walk-${way.openat2}`);
      const hook = onceAt(victim, swap);
      const entries: WalkEntry[] = [];
      const errors: WalkError[] = [];
      const walker = walk([root], {
        beforeOpenDir: hook.at,
        onError: (error) => errors.push(error),
      });
      for await (const batch of walker) entries.push(...batch.entries);
      expect(hook.fired).toBe(1);
      const names = entries.map((entry) => entry.name).sort();
      expect(names).toEqual(["a", "b", "c", "d", "sibling-old.log"]);
      expect(errors.map((e) => [toText(e.path), e.code])).toEqual([[victim, "ELOOP"]]);
      expect(errors[0]?.message).toMatch(/symlink/);
    });
  });

describe("how directories below a root are opened (native walk)", () => {
  /** root/x/y/z: three directories below the root, at depths 1, 2 and 3. */
  const chain = () => {
    const root = dir(join(tempDir("beneath"), "root"));
    dir(join(root, "x", "y", "z"));
    return root;
  };
  const walkAll = async (root: string) => {
    const errors: WalkError[] = [];
    const names: string[] = [];
    const walker = walk([root], { onError: (error) => errors.push(error) });
    for await (const batch of walker) for (const entry of batch.entries) names.push(entry.name);
    return { names: names.sort(), errors };
  };
  const spies = () => {
    const c = libc();
    if (!native || !c) throw new Error("no native layer on this system");
    return { openat2: spyOn(c, "openat2"), openat: spyOn(c, "openat"), errno: spyOn(c, "errno") };
  };

  test("one openat2 per directory; without it one openat per component, from the root's", async () => {
    const root = chain();
    const spy = spies();
    try {
      (native as NonNullable<typeof native>).useOpenat2 = true;
      expect(await walkAll(root)).toEqual({ names: ["x", "y", "z"], errors: [] });
      expect(spy.openat2.mock.calls.length).toBe(3);
      expect(spy.openat.mock.calls.length).toBe(1); // the root, by its path
      spy.openat2.mockClear();
      spy.openat.mockClear();
      (native as NonNullable<typeof native>).useOpenat2 = false;
      expect(await walkAll(root)).toEqual({ names: ["x", "y", "z"], errors: [] });
      expect(spy.openat2.mock.calls.length).toBe(0);
      expect(spy.openat.mock.calls.length).toBe(1 + 1 + 2 + 3);
    } finally {
      for (const each of Object.values(spy)) each.mockRestore();
    }
  });

  for (const [code, errno] of [
    ["ENOSYS", 38],
    ["EPERM", 1],
  ] as const)
    test(`a kernel refusing openat2 (${code}): the walk goes on step by step, for good`, async () => {
      const root = chain();
      const spy = spies();
      try {
        (native as NonNullable<typeof native>).useOpenat2 = true;
        spy.openat2.mockImplementation(() => -1);
        spy.errno.mockImplementationOnce(() => errno);
        expect(await walkAll(root)).toEqual({ names: ["x", "y", "z"], errors: [] });
        expect(spy.openat2.mock.calls.length).toBe(1);
        expect(native?.useOpenat2).toBe(false);
      } finally {
        for (const each of Object.values(spy)) each.mockRestore();
      }
    });

  test("the root's descriptor is closed when the walk ends, and when it is left early", async () => {
    const root = chain();
    for (let i = 0; i < 20; i++) dir(join(root, `more${i}`, "inner"));
    const open = () => readdirSync("/proc/self/fd").length;
    const before = open();
    await walkAll(root);
    expect(open()).toBe(before);
    for await (const _batch of walk([root], { highWaterMark: 1 })) break;
    expect(open()).toBe(before);
    const stop = new AbortController();
    for await (const _batch of walk([root], { signal: stop.signal, highWaterMark: 1 }))
      stop.abort();
    expect(open()).toBe(before);
  });
});

describe("a middle directory swapped for a symlink, compiled logclean", () => {
  let bin: string;
  let home: string;
  beforeAll(async () => {
    home = tempDir("swapped-home");
    bin = publicCopy(await compiledTool("logclean"), home);
  }, 120_000);

  // fanotify needs root, as the suite's other tests do (mounts, running binaries as nobody).
  for (const way of ways)
    test(`deletes nothing outside the root (${way.name})`, async () => {
      const { base, root, outside, victim, swap } = world(`bin-${way.openat2}`);
      const before = snapshot(outside);
      // root/a/b's read is held: the swap lands after it was listed, before c is opened.
      const { exitCode, records, stderr, reads } = await runHeld(
        [bin, root, "--days", "7", "--json"],
        {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: home,
          ...(way.openat2 ? {} : { OPSCTL_FS_OPENAT2: "0" }),
        },
        join(root, "a", "b"),
        swap,
      );
      expect(reads).toBeGreaterThan(0);
      expect(differences(before, snapshot(outside))).toEqual([]);
      expect(exists(join(base, "moved-a", "b", "c", "inside-old.log"))).toBe(true);
      expect(exists(join(root, "d", "sibling-old.log"))).toBe(false);
      const deleted = records.filter((r) => r.event === "delete").map((r) => r.path);
      expect(deleted).toEqual([join(root, "d", "sibling-old.log")]);
      const errors = records.filter((r) => r.event === "error");
      expect(errors).toEqual([expect.objectContaining({ path: victim, code: "ELOOP" })]);
      expect(stderr).toContain(victim);
      expect(exitCode).toBe(1);
    });
});
