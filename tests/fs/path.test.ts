import { describe, expect, test } from "bun:test";
import {
  comparePaths,
  displayPath,
  escapeControlChars,
  isUtf8,
  joinPath,
  sameTextPath,
  toBytes,
} from "../../lib/fs/path.ts";

describe("paths as bytes", () => {
  const raw = Buffer.from([0x61, 0xe9, 0x2e, 0x6c, 0x6f, 0x67]); // "a\xE9.log"

  test("join stays a string for UTF-8 and becomes bytes otherwise", () => {
    expect(joinPath("/var/log", "app.log")).toBe("/var/log/app.log");
    expect(joinPath("/", "x")).toBe("/x");
    const joined = joinPath("/var/log/", raw);
    expect(Buffer.isBuffer(joined)).toBe(true);
    expect(toBytes(joined).equals(Buffer.concat([Buffer.from("/var/log/"), raw]))).toBe(true);
  });

  test("display shows invalid bytes as \\xNN and leaves valid text alone", () => {
    expect(displayPath(raw)).toBe("a\\xE9.log");
    expect(displayPath(Buffer.from("héllo/wörld"))).toBe("héllo/wörld");
    expect(displayPath(Buffer.concat([Buffer.from("é\\"), Buffer.from([0xff])]))).toBe(
      "é\\\\\\xFF",
    );
    expect(isUtf8(raw)).toBe(false);
    expect(isUtf8(Buffer.from("ok ✓"))).toBe(true);
  });

  test("display keeps a path on one line: control characters as \\xNN", () => {
    expect(displayPath("/logs/a\nb\\c.log")).toBe("/logs/a\\x0Ab\\\\c.log");
    expect(displayPath(Buffer.from("a\r\x1b[2K\u009b.log"))).toBe("a\\x0D\\x1B[2K\\xC2\\x9B.log");
    expect(displayPath(Buffer.concat([Buffer.from("a\t"), Buffer.from([0xff])]))).toBe(
      "a\\x09\\xFF",
    );
    expect(displayPath("/var/log/app é.log")).toBe("/var/log/app é.log");
    expect(escapeControlChars("EISDIR: unlink '/a\nb'")).toBe("EISDIR: unlink '/a\\x0Ab'");
  });

  test("sorting is byte-wise, like LC_ALL=C sort", () => {
    const paths = ["b", "a/z", Buffer.from([0x61, 0xff]), "a\u00e9", "A"];
    const sorted = [...paths].sort(comparePaths).map((p) => toBytes(p).toString("hex"));
    expect(sorted).toEqual(
      ["A", "a/z", "a\u00e9", Buffer.from([0x61, 0xff]), "b"].map((p) =>
        toBytes(p).toString("hex"),
      ),
    );
  });

  test("a walked path is where the OS says it is: exactly on Linux, as Windows compares there", () => {
    expect(sameTextPath("/srv/logs/app", "/srv/logs/app", "linux")).toBe(true);
    expect(sameTextPath("/srv/logs/App", "/srv/logs/app", "linux")).toBe(false);
    expect(sameTextPath("/elsewhere/app", "/srv/logs/app", "linux")).toBe(false);
    // Windows: realpath/cwd answer C:\Logs\app; the walk joined C:\logs + "/app".
    expect(sameTextPath("C:\\Logs\\app", "C:\\logs/app", "win32")).toBe(true);
    expect(sameTextPath("D:\\elsewhere\\app", "C:\\logs/app", "win32")).toBe(false);
  });
});
