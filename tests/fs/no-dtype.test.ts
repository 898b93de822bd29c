/**
 * A filesystem whose directory entries carry no type (ext4 made with -O ^filetype answers
 * DT_UNKNOWN for every name): the walker must ask the inode, or files look like "other" and
 * directories are never entered.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { nativeFs } from "../../lib/fs/native/dir.ts";
import { type WalkEntry, walk } from "../../lib/fs/walk.ts";
import { file, tempDir } from "./tree.ts";

let root: string;

function sh(command: string[]): void {
  const result = Bun.spawnSync(command, { stderr: "pipe" });
  if (result.exitCode !== 0)
    throw new Error(`${command.join(" ")}: ${result.stderr.toString().trim()}`);
}

beforeAll(() => {
  const base = tempDir("no-dtype");
  const image = join(base, "fs.img");
  root = join(base, "mnt");
  mkdirSync(root);
  sh(["truncate", "-s", "8M", image]);
  sh(["mkfs.ext4", "-q", "-F", "-O", "^filetype", image]);
  sh(["mount", "-o", "loop", image, root]);
  mkdirSync(join(root, "sub"));
  file(join(root, "sub", "inner.log"));
  file(join(root, "top.log"));
  file(join(root, "top.txt"));
  symlinkSync("top.log", join(root, "link.log"));
});

afterAll(() => {
  Bun.spawnSync(["umount", "-l", root]);
});

describe("a filesystem without d_type", () => {
  test("getdents64 really answers DT_UNKNOWN there", () => {
    const native = nativeFs();
    if (!native) throw new Error("no native layer");
    const fd = native.openDir(root, false);
    try {
      const count = native.readBatch(fd, root);
      expect(count).toBeGreaterThan(3);
      expect([...native.types.subarray(0, count)].every((type) => type === 0)).toBe(true);
    } finally {
      native.close(fd);
    }
  });

  for (const native of [true, false]) {
    test(`${native ? "native" : "node:fs"} walk: kinds come from the inode, directories are entered`, async () => {
      const entries: WalkEntry[] = [];
      const walker = walk([root], {
        native,
        select: (name, kind) => kind === "file" && name.endsWith(".log"),
        selectBytes: (buf, start, end, kind) =>
          kind === "file" && Buffer.from(buf.subarray(start, end)).toString().endsWith(".log"),
        needsStat: () => true,
      });
      for await (const batch of walker) entries.push(...batch.entries);
      const found = entries.map((e) => [e.path, e.kind, e.stat?.isFile()]).sort();
      expect(found).toEqual([
        [join(root, "sub", "inner.log"), "file", true],
        [join(root, "top.log"), "file", true],
      ]);
      expect(walker.stats.errors).toBe(0);
    });
  }
});
