import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { displayPath, type FsPath, toBytes } from "../../lib/fs/path.ts";
import { type WalkEntry, type WalkError, walk } from "../../lib/fs/walk.ts";
import { dir, file, tempDir } from "./tree.ts";

const latin1Name = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x6c, 0x6f, 0x67]); // "caf\xE9.log"
let root: string;
let outside: string;

/** Which reader the tests of one describe block use: getdents64 (Linux) or node:fs. */
let native = true;

async function collect(roots: FsPath[], options: Parameters<typeof walk>[1] = {}) {
  const entries: WalkEntry[] = [];
  const errors: WalkError[] = [];
  const walker = walk(roots, { native, ...options, onError: (error) => errors.push(error) });
  for await (const batch of walker) entries.push(...batch.entries);
  return { entries, errors, stats: walker.stats };
}

const text = (entry: WalkEntry) => toBytes(entry.path).toString("latin1");

beforeAll(() => {
  const base = tempDir("walk");
  root = dir(join(base, "root"));
  outside = dir(join(base, "outside"));
  file(join(outside, "secret.log"));
  // 3000 files over 3 levels: 10 x 10 dirs, 30 files each.
  for (let a = 0; a < 10; a++)
    for (let b = 0; b < 10; b++) {
      const d = dir(join(root, `a${a}`, `b${b}`));
      for (let f = 0; f < 30; f++) file(join(d, `f${f}.${f % 3 === 0 ? "log" : "txt"}`), 0, 0);
    }
  dir(join(root, ".hidden"));
  file(join(root, ".hidden", "h.log"));
  file(join(root, ".dot.log"));
  const odd = dir(join(root, "odd"));
  file(join(odd, "with space.log"));
  file(join(odd, "new\nline.log"));
  file(Buffer.concat([Buffer.from(`${odd}/`), latin1Name]));
  const rawDir = Buffer.concat([Buffer.from(`${odd}/dir-`), Buffer.from([0xff])]);
  mkdirSync(rawDir);
  file(Buffer.concat([rawDir, Buffer.from("/inner.log")]));
  const links = dir(join(root, "links"));
  symlinkSync(outside, join(links, "to-outside"));
  symlinkSync(join(outside, "secret.log"), join(links, "secret-link.log"));
  symlinkSync("..", join(links, "loop"));
  symlinkSync("missing", join(links, "broken"));
});

afterAll(() => {});

for (const reader of ["getdents64", "node:fs"] as const)
  describe(`walk (${reader})`, () => {
    beforeAll(() => {
      native = reader === "getdents64";
    });

    test("the reader under test is the one in use (Linux has the native one)", () => {
      // Guards against the native tests silently running the fallback.
      expect(walk([root], { native }).reader).toBe(reader);
    });

    test("finds every entry of a tree of thousands, each once", async () => {
      const { entries, stats } = await collect([root]);
      const files = entries.filter((e) => e.kind === "file");
      expect(files.length).toBe(3000 + 2 + 3 + 1); // tree, dot files, odd names, raw-dir inner
      expect(new Set(entries.map(text)).size).toBe(entries.length);
      expect(stats.dirs).toBe(1 + 10 + 100 + 4); // root, a*, b*, .hidden, odd, raw dir, links
      expect(stats.errors).toBe(0);
    });

    test("symlinks are reported as symlinks and never descended into by default", async () => {
      const { entries } = await collect([root]);
      const inLinks = entries.filter((e) => text(e).includes("/links/"));
      expect(inLinks.map((e) => [text(e).split("/").pop(), e.kind]).sort()).toEqual([
        ["broken", "symlink"],
        ["loop", "symlink"],
        ["secret-link.log", "symlink"],
        ["to-outside", "symlink"],
      ]);
      expect(entries.some((e) => text(e).includes("secret.log") && !text(e).includes("link"))).toBe(
        false,
      );
    });

    test("follow: goes through links, detects the loop and stops there", async () => {
      const { entries, errors } = await collect([join(root, "links")], { follow: true });
      const names = entries.map((e) => text(e).slice(root.length));
      expect(names).toContain("/links/to-outside/secret.log");
      expect(entries.find((e) => text(e).endsWith("secret-link.log"))?.kind).toBe("file");
      expect(entries.find((e) => text(e).endsWith("/broken"))?.kind).toBe("symlink");
      // links/loop -> root: descended once (root is not an ancestor of links/), and the loop back
      // through root/links/loop is then cut.
      expect(errors.filter((e) => e.code === "ELOOP").length).toBeGreaterThan(0);
      expect(names.filter((n) => n.includes("/loop/links/loop/links/")).length).toBe(0);
    });

    test("names that are not UTF-8 keep their exact bytes", async () => {
      const { entries } = await collect([join(root, "odd")]);
      const raw = entries.find((e) => typeof e.path !== "string" && e.name.startsWith("caf"));
      expect(raw).toBeDefined();
      expect(
        toBytes(raw?.path as FsPath)
          .subarray(-latin1Name.length)
          .equals(latin1Name),
      ).toBe(true);
      expect(raw?.name).toBe("caf\uFFFD.log");
      expect(displayPath(raw?.path as FsPath).endsWith("caf\\xE9.log")).toBe(true);
      // Below a directory whose own name is not UTF-8, paths stay bytes too.
      const inner = entries.find((e) => e.name === "inner.log");
      expect(typeof inner?.path).not.toBe("string");
      expect(toBytes(inner?.path as FsPath).includes(Buffer.from([0x2d, 0xff, 0x2f]))).toBe(true);
      expect(entries.some((e) => e.name === "new\nline.log")).toBe(true);
    });

    test("maxDepth and hidden", async () => {
      const depth1 = await collect([root], { maxDepth: 1 });
      expect(depth1.entries.every((e) => e.depth === 1)).toBe(true);
      expect(depth1.stats.dirs).toBe(1);
      const visible = await collect([root], { hidden: false });
      expect(visible.entries.some((e) => e.name.startsWith("."))).toBe(false);
      expect(visible.entries.some((e) => text(e).includes("/.hidden/"))).toBe(false);
    });

    test("needsStat: only the entries asked for are stat'ed", async () => {
      const { entries } = await collect([root], { needsStat: (e) => e.name.endsWith(".log") });
      expect(entries.filter((e) => e.stat).every((e) => e.name.endsWith(".log"))).toBe(true);
      expect(
        entries.filter((e) => e.kind === "file" && !e.name.endsWith(".log") && e.stat).length,
      ).toBe(0);
    });

    test("backpressure: a slow consumer holds the walk at the high-water mark", async () => {
      const walker = walk([root], { native, concurrency: 2, highWaterMark: 3 });
      const iterator = walker[Symbol.asyncIterator]();
      await iterator.next();
      await Bun.sleep(200); // the consumer stalls; reads in flight may land, no new ones start
      const readWhileStalled = walker.stats.dirs;
      expect(readWhileStalled).toBeLessThanOrEqual(1 + 3 + 2 + 2);
      let batches = 1;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) batches++;
      expect(walker.stats.dirs).toBe(115);
      expect(batches).toBeGreaterThan(100);
    });

    test("unreadable and missing roots are errors, the rest of the walk goes on", async () => {
      const { entries, errors } = await collect([join(root, "nope"), join(root, "odd")]);
      expect(errors.map((e) => [e.op, e.code])).toEqual([["root", "ENOENT"]]);
      expect(entries.length).toBeGreaterThan(3);
    });

    test("a file given as a root is yielded itself", async () => {
      const { entries } = await collect([join(outside, "secret.log")]);
      expect(entries.map((e) => [e.kind, e.depth])).toEqual([["file", 0]]);
    });

    test("a file given as a root is named by its last component and passes select like any", async () => {
      const secret = join(outside, "secret.log");
      const { entries } = await collect([secret], { select: (name) => name === "secret.log" });
      expect(entries.map((e) => e.name)).toEqual(["secret.log"]);
      // find -name '*.txt' FILE prints nothing when FILE does not match: neither does the walk.
      const rejected = await collect([secret], { select: (name) => name.endsWith(".txt") });
      expect(rejected.entries).toEqual([]);
      const dirsOnly = await collect([secret], { select: (_, kind) => kind === "dir" });
      expect(dirsOnly.entries).toEqual([]);
    });

    test("abort stops the walk early", async () => {
      const controller = new AbortController();
      const walker = walk([root], {
        native,
        signal: controller.signal,
        concurrency: 1,
        highWaterMark: 1,
      });
      let batches = 0;
      for await (const _ of walker) {
        batches++;
        controller.abort();
      }
      expect(batches).toBeLessThan(5);
    });
  });
