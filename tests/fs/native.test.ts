/** The native layer (bun:ffi to libc) against node:fs on the same files: same answers, same errors. */
import { describe, expect, test } from "bun:test";
import { lstatSync, mkdirSync, symlinkSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { nativeFs } from "../../lib/fs/native/dir.ts";
import { deepName, deepTree, dir, exists, file, tempDir } from "./tree.ts";

const native = nativeFs();
const nameOf = (text: string) => new Uint8Array(Buffer.from(text));

function namesIn(path: string): string[] {
  if (!native) throw new Error("no native layer");
  const fd = native.openDir(path, false);
  const names: string[] = [];
  try {
    for (;;) {
      const count = native.readBatch(fd, path);
      if (count === 0) break;
      for (let i = 0; i < count; i++)
        names.push(
          Buffer.from(native.dents.subarray(native.nameStarts[i], native.nameEnds[i])).toString(
            "latin1",
          ),
        );
    }
  } finally {
    native.close(fd);
  }
  return names.sort();
}

/** "opened" when openDir opens `path` (closed again), else the error's code. */
function codeOf(path: string, follow: boolean): string {
  if (!native) throw new Error("no native layer");
  try {
    native.close(native.openDir(path, follow));
    return "opened";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? "no code";
  }
}

describe("native file layer", () => {
  test("loads on Linux", () => {
    expect(process.platform === "linux" ? native : "skipped off Linux").toBeDefined();
  });

  test("lists every name (raw bytes, thousands of entries over several batches) but . and ..", () => {
    const base = dir(join(tempDir("native"), "many"));
    const expected: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const name = `file-with-a-rather-long-name-${i}.log`;
      file(join(base, name));
      expected.push(name);
    }
    const raw = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
    file(Buffer.concat([Buffer.from(`${base}/`), raw]));
    expected.push(raw.toString("latin1"));
    mkdirSync(join(base, "sub"));
    expected.push("sub");
    expect(namesIn(base)).toEqual(expected.sort());
  });

  test("statx answers what lstat answers, to the sub-millisecond mtime", () => {
    const base = tempDir("native-stat");
    const path = join(base, "a.log");
    file(path, 0, 1234);
    utimesSync(path, 1_700_000_000.123456, 1_700_000_123.987654);
    symlinkSync("a.log", join(base, "link"));
    if (!native) throw new Error("no native layer");
    const fd = native.openDir(base, false);
    try {
      for (const name of ["a.log", "link"]) {
        const mine = native.statName(fd, nameOf(name));
        const theirs = lstatSync(join(base, name));
        if (typeof mine === "number") throw new Error(`errno ${mine}`);
        expect({
          dev: mine.dev,
          ino: mine.ino,
          mode: mine.mode,
          size: mine.size,
          mtimeMs: mine.mtimeMs,
          atimeMs: mine.atimeMs,
          file: mine.isFile(),
          link: mine.isSymbolicLink(),
        }).toEqual({
          dev: theirs.dev,
          ino: theirs.ino,
          mode: theirs.mode,
          size: theirs.size,
          mtimeMs: theirs.mtimeMs,
          atimeMs: theirs.atimeMs,
          file: theirs.isFile(),
          link: theirs.isSymbolicLink(),
        });
      }
      const self = native.statFd(fd);
      if (typeof self === "number") throw new Error(`errno ${self}`);
      expect([self.ino, self.isDirectory()]).toEqual([lstatSync(base).ino, true]);
    } finally {
      native.close(fd);
    }
  });

  test("errors carry node:fs's codes: a symlink is refused, a file is not a directory", () => {
    const base = tempDir("native-errors");
    const real = dir(join(base, "real"));
    symlinkSync(real, join(base, "link"));
    file(join(base, "plain"));
    if (!native) throw new Error("no native layer");
    // Linux answers ENOTDIR (O_DIRECTORY is checked on the link itself), some kernels ELOOP.
    expect(["ELOOP", "ENOTDIR"]).toContain(codeOf(join(base, "link"), false));
    expect(codeOf(join(base, "link"), true)).toBe("opened");
    expect(codeOf(join(base, "plain"), false)).toBe("ENOTDIR");
    expect(codeOf(join(base, "missing"), false)).toBe("ENOENT");
  });

  test("a directory past PATH_MAX opens one component at a time, never through a symlink", () => {
    const base = tempDir("native-deep");
    const outside = dir(join(base, "outside"));
    dir(join(outside, "sub"));
    const root = join(base, "root");
    deepTree(root, 40, (level) => `touch f${level}; ln -s '${outside}' jump`);
    let deep = root;
    for (let level = 1; level <= 40; level++) deep += `/${deepName(level)}`;
    expect(Buffer.byteLength(deep)).toBeGreaterThan(4096 + 500);
    if (!native) throw new Error("no native layer");
    expect(namesIn(deep)).toEqual(["f40", "jump"]);
    expect(namesIn(`${deep}/`)).toEqual(["f40", "jump"]);
    // A symlink below PATH_MAX's reach is never followed on the way, even when the last
    // component may be (a root's); as the last component it is followed only when asked.
    expect(["ELOOP", "ENOTDIR"]).toContain(codeOf(`${deep}/jump/sub`, true));
    expect(["ELOOP", "ENOTDIR"]).toContain(codeOf(`${deep}/jump`, false));
    expect(codeOf(`${deep}/jump`, true)).toBe("opened");
    expect(codeOf(`${deep}/missing`, false)).toBe("ENOENT");
    expect(codeOf(`${deep}/f40`, false)).toBe("ENOTDIR");
    // stat and lstat of such a path.
    const file40 = native.statPath(`${deep}/f40`, false);
    expect([file40.isFile(), file40.size]).toEqual([true, 0]);
    expect(native.statPath(`${deep}/jump`, false).isSymbolicLink()).toBe(true);
    expect(native.statPath(`${deep}/jump`, true).ino).toBe(lstatSync(outside).ino);
  });

  test("unlinkat removes the name in that directory only", () => {
    const base = tempDir("native-unlink");
    const inside = dir(join(base, "inside"));
    file(join(inside, "x.log"));
    file(join(base, "x.log"));
    if (!native) throw new Error("no native layer");
    const fd = native.openDir(inside, false);
    try {
      expect(native.unlinkName(fd, nameOf("x.log"))).toBe(0);
      expect(native.unlinkName(fd, nameOf("x.log"))).toBe(2); // ENOENT the second time
    } finally {
      native.close(fd);
    }
    expect([exists(join(inside, "x.log")), exists(join(base, "x.log"))]).toEqual([false, true]);
  });
});
