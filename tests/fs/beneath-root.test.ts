/** lib/fs/clean/beneath-root.ts: the root reopened and checked, directories opened below it. */
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, renameSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { Changed } from "../../lib/fs/clean/act.ts";
import { OpenRoot, RootDescriptors } from "../../lib/fs/clean/beneath-root.ts";
import { nativeFs } from "../../lib/fs/native/dir.ts";
import { dir, tempDir } from "./tree.ts";

const native = nativeFs();

function rootOf(path: string) {
  const stat = statSync(path);
  return { real: path, dev: stat.dev, ino: stat.ino };
}

/** dev/ino of what a descriptor refers to. */
function idOf(fd: number) {
  const stat = native?.statFd(fd);
  if (stat === undefined || typeof stat === "number") throw new Error("statx failed");
  return [stat.dev, stat.ino];
}

const idOfPath = (path: string) => {
  const stat = statSync(path);
  return [stat.dev, stat.ino];
};

describe("OpenRoot", () => {
  test("opens the root itself and the directories below it, as the walk joined them", () => {
    const root = dir(join(tempDir("beneath-open"), "root"));
    dir(join(root, "a", "b"));
    const open = OpenRoot.open(rootOf(root)) as OpenRoot;
    try {
      for (const path of [root, join(root, "a"), join(root, "a", "b")]) {
        const fd = open.openDir(path);
        expect(idOf(fd)).toEqual(idOfPath(path));
        native?.close(fd);
      }
      // A raw path as a Worker receives it (a Buffer becomes a plain Uint8Array).
      const bytes = new Uint8Array(Buffer.from(join(root, "a")));
      const fd = open.openDir(bytes);
      expect(idOf(fd)).toEqual(idOfPath(join(root, "a")));
      native?.close(fd);
    } finally {
      open.close();
    }
  });

  test("a symlink anywhere between the root and the directory is refused (ELOOP)", () => {
    const base = tempDir("beneath-link");
    const root = dir(join(base, "root"));
    dir(join(root, "a", "b", "c"));
    renameSync(join(root, "a"), join(base, "moved"));
    symlinkSync(join(base, "moved"), join(root, "a"));
    const open = OpenRoot.open(rootOf(root)) as OpenRoot;
    const saved = native?.useOpenat2 ?? true;
    try {
      for (const openat2 of [true, false]) {
        (native as NonNullable<typeof native>).useOpenat2 = openat2;
        for (const path of [join(root, "a"), join(root, "a", "b", "c")])
          expect(() => open.openDir(path)).toThrow(expect.objectContaining({ code: "ELOOP" }));
      }
    } finally {
      (native as NonNullable<typeof native>).useOpenat2 = saved;
      open.close();
    }
  });

  test("a root replaced since it was checked (another directory, a symlink) is refused", () => {
    const base = tempDir("beneath-replaced");
    const root = dir(join(base, "root"));
    const checked = rootOf(root);
    renameSync(root, join(base, "old-root"));
    mkdirSync(root);
    expect(() => OpenRoot.open(checked)).toThrow(Changed);
    renameSync(root, join(base, "other"));
    symlinkSync(join(base, "old-root"), root);
    expect(() => OpenRoot.open(checked)).toThrow(Changed);
  });

  test("a path that is not the root or below it is an error, not a directory opened", () => {
    const base = tempDir("beneath-outside");
    const root = dir(join(base, "logs"));
    dir(join(base, "logs2"));
    const open = OpenRoot.open(rootOf(root)) as OpenRoot;
    try {
      expect(() => open.openDir(join(base, "logs2"))).toThrow(/not below the root/);
      expect(() => open.openDir(base)).toThrow(/not below the root/);
    } finally {
      open.close();
    }
  });
});

describe("RootDescriptors", () => {
  test("a directory belongs to the deepest root holding it; one descriptor per root, closed at the end", () => {
    const base = tempDir("beneath-roots");
    const outer = dir(join(base, "logs"));
    const inner = dir(join(outer, "mnt"));
    dir(join(inner, "x"));
    dir(join(base, "logs2"));
    const outerRoot = rootOf(outer);
    const innerRoot = rootOf(inner);
    const descriptors = new RootDescriptors([outerRoot, innerRoot]);
    const fds = () => readdirSync("/proc/self/fd").length;
    const before = fds();
    expect(descriptors.rootOf(outer)).toBe(outerRoot);
    expect(descriptors.rootOf(join(outer, "a"))).toBe(outerRoot);
    expect(descriptors.rootOf(inner)).toBe(innerRoot);
    expect(descriptors.rootOf(join(inner, "x"))).toBe(innerRoot);
    expect(() => descriptors.rootOf(join(base, "logs2"))).toThrow(/below none of the roots/);
    const first = descriptors.openFor(join(inner, "x"));
    expect(descriptors.openFor(inner)).toBe(first);
    expect(descriptors.openFor(outer)).not.toBe(first);
    expect(fds()).toBe(before + 2);
    descriptors.close();
    expect(fds()).toBe(before);
    expect(() => descriptors.openFor(outer)).toThrow(/the run is over/);
  });

  test("the filesystem root / holds every absolute path", () => {
    const root = rootOf("/");
    const descriptors = new RootDescriptors([root]);
    try {
      const here = tempDir("beneath-slash");
      expect(descriptors.rootOf(here)).toBe(root);
      const fd = (descriptors.openFor(here) as OpenRoot).openDir(here);
      expect(idOf(fd)).toEqual(idOfPath(here));
      native?.close(fd);
    } finally {
      descriptors.close();
    }
  });
});
