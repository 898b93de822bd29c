/** find-compiled.ts's fallback: a root whose walker threads cannot start is walked in JavaScript. */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { findCompiled } from "../../lib/fs/find-compiled.ts";
import { WalkerThreadsUnavailable } from "../../lib/fs/native/compiled-walker.ts";
import { toText } from "../../lib/fs/path.ts";
import { dir, file, tempDir } from "./tree.ts";

test("no walker thread could start (a pids limit): the root is walked in JavaScript, same answer", async () => {
  const root = dir(join(tempDir("find-compiled"), "root"));
  file(join(root, "a.log"));
  file(join(dir(join(root, "sub")), "b.log"));
  file(join(root, "c.txt"));
  let tried = 0;
  const walker = {
    walk() {
      tried++;
      return Promise.reject(new WalkerThreadsUnavailable("could not start the walker threads"));
    },
  };
  const found: string[] = [];
  const result = await findCompiled(
    { roots: [root], names: ["*.log"], hidden: false, follow: false },
    { matches: (entries) => found.push(...entries.map((entry) => toText(entry.path))) },
    { separator: "\n" },
    { walker, globs: [{ kind: "suffix", bytes: Buffer.from(".log") }] },
  );
  expect(tried).toBe(1);
  expect(found.sort()).toEqual([join(root, "a.log"), join(root, "sub", "b.log")]);
  expect([result.matched, result.errors]).toEqual([2, 0]);
});
