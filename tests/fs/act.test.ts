/** lib/fs/clean/act.ts: the node:fs way's guarded steps. */
import { describe, expect, spyOn, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { enterDirectory } from "../../lib/fs/clean/act.ts";
import { dir, tempDir } from "./tree.ts";

describe("enterDirectory", () => {
  test("a directory removed once entered (getcwd fails) leaves the working directory where it was", () => {
    const target = dir(join(tempDir("enter-vanished"), "logs"));
    const { dev, ino } = statSync(target);
    const start = process.cwd();
    const realCwd = process.cwd.bind(process);
    let calls = 0;
    // The second call is the check made inside the directory: as if it was removed right then.
    const cwd = spyOn(process, "cwd").mockImplementation(() => {
      if (++calls === 2)
        throw Object.assign(new Error("ENOENT: no such file or directory, uv_cwd"), {
          code: "ENOENT",
        });
      return realCwd();
    });
    let where: string;
    try {
      expect(() => enterDirectory(target, dev, ino)).toThrow(/ENOENT/);
    } finally {
      cwd.mockRestore();
      where = process.cwd();
      process.chdir(start);
    }
    expect(calls).toBe(2);
    expect(where).toBe(start);
  });

  test("the directory the walk read is entered, and left again", () => {
    const target = dir(join(tempDir("enter-ok"), "logs"));
    const { dev, ino } = statSync(target);
    const start = process.cwd();
    const leave = enterDirectory(target, dev, ino);
    expect(process.cwd()).toBe(target);
    leave?.();
    expect(process.cwd()).toBe(start);
  });
});
