import { describe, expect, test } from "bun:test";
import { compileGlob, compileGlobs, compileGlobsToBytes } from "../../lib/fs/glob.ts";

describe("compileGlob", () => {
  const cases: [string, string, boolean][] = [
    ["*.log", "app.log", true],
    ["*.log", "app.log.1", false],
    ["*.log", ".log", true],
    ["app.log", "app.log", true],
    ["app.log", "xapp.log", false],
    ["app*", "app.log.2.gz", true],
    ["*.log.[0-9]", "app.log.3", true],
    ["*.log.[0-9]", "app.log.x", false],
    ["*.log.[!0-9]", "app.log.x", true],
    ["*.log.*.gz", "app.log.2026-01-01.gz", true],
    ["*.log.*.gz", "app.log.gz", false],
    ["*.{log,txt}", "a.txt", true],
    ["*.{log,txt}", "a.csv", false],
    ["f?.log", "f1.log", true],
    ["f?.log", "f12.log", false],
    ["\\*.log", "*.log", true],
    ["\\*.log", "a.log", false],
    ["a.b", "axb", false],
    ["[]]x", "]x", true],
    ["*", "caf\uFFFD.log", true],
    ["*log*", "line\nbreak.log", true],
  ];
  for (const [pattern, name, expected] of cases) {
    test(`${JSON.stringify(pattern)} ${expected ? "matches" : "does not match"} ${JSON.stringify(name)}`, () => {
      expect(compileGlob(pattern)(name)).toBe(expected);
    });
  }

  test("bad globs are rejected with a reason", () => {
    expect(() => compileGlob("*.{log")).toThrow(/unclosed/);
    expect(() => compileGlob("a\\")).toThrow(/trailing backslash/);
  });

  test("several globs: any matches; none: no matcher", () => {
    const match = compileGlobs(["*.log", "*.log.[0-9]"]);
    expect(match?.("a.log.1")).toBe(true);
    expect(match?.("a.txt")).toBe(false);
    expect(compileGlobs([])).toBeUndefined();
  });
});

describe("compileGlobsToBytes", () => {
  const names = [
    "app.log",
    "app.log.1",
    ".log",
    "log",
    "xapp.log",
    "app",
    "a.b.log",
    "caf\u00e9.log",
  ];
  const bytesOf = (name: string) => new Uint8Array(Buffer.from(name));
  for (const patterns of [["*.log"], ["app*"], ["app.log"], ["*.log", "app*"], ["*.log.1", "*"]]) {
    test(`${JSON.stringify(patterns)} on bytes agrees with the text matcher`, () => {
      const onBytes = compileGlobsToBytes(patterns);
      const onText = compileGlobs(patterns);
      if (!onBytes || !onText) throw new Error("expected both matchers");
      for (const name of names) {
        const bytes = bytesOf(name);
        // The name sits inside a bigger buffer, as in a getdents64 batch.
        const buf = new Uint8Array([1, 2, ...bytes, 0, 9]);
        expect([name, onBytes(buf, 2, 2 + bytes.length)]).toEqual([name, onText(name)]);
      }
    });
  }

  test("globs that need more than a prefix, suffix or exact name have no byte form", () => {
    expect(compileGlobsToBytes(["*.log.[0-9]"])).toBeUndefined();
    expect(compileGlobsToBytes(["*.log", "f?.log"])).toBeUndefined();
    expect(compileGlobsToBytes(["*.caf\u00e9"])).toBeUndefined();
    expect(compileGlobsToBytes([])).toBeUndefined();
  });
});
