import { describe, expect, test } from "bun:test";
import { parseBoolean, parseDuration, parseNumber, parseSize } from "../../lib/cli/values.ts";

describe("parseSize", () => {
  test("binary and decimal units", () => {
    expect(parseSize("4096")).toBe(4096);
    expect(parseSize("10M")).toBe(10 * 1024 * 1024);
    expect(parseSize("1.5GiB")).toBe(1.5 * 1024 ** 3);
    expect(parseSize("200kb")).toBe(200_000);
  });
  test("rejects garbage with the input in the message", () => {
    expect(() => parseSize("10 parsecs")).toThrow('"10 parsecs" is not a size');
    expect(() => parseSize("-1")).toThrow();
  });
  test("a size past what a number counts exactly (or Infinity) is refused, not taken", () => {
    expect(() => parseSize("9".repeat(309))).toThrow("is too large a size");
    expect(() => parseSize("100000TiB")).toThrow('"100000TiB" is too large a size');
    expect(parseSize("1000TiB")).toBe(1000 * 1024 ** 4);
  });
});

describe("parseDuration", () => {
  test("compound durations", () => {
    expect(parseDuration("90")).toBe(90);
    expect(parseDuration("1h30m")).toBe(5400);
    expect(parseDuration("7d")).toBe(7 * 86400);
    expect(parseDuration("500ms")).toBe(0.5);
  });
  test("rejects trailing junk", () => {
    expect(() => parseDuration("7days")).toThrow('"7days" is not a duration');
    expect(() => parseDuration("")).toThrow();
  });
  test("a duration that is Infinity is refused", () => {
    expect(() => parseDuration("9".repeat(309))).toThrow("is too long a duration");
    expect(() => parseDuration(`${"9".repeat(309)}d`)).toThrow("is too long a duration");
  });
});

describe("parseNumber and parseBoolean", () => {
  test("integers only when asked", () => {
    expect(parseNumber("2.5")).toBe(2.5);
    expect(() => parseNumber("2.5", true)).toThrow("not a whole number");
  });
  test("env-style booleans", () => {
    expect(parseBoolean("yes")).toBe(true);
    expect(parseBoolean("0")).toBe(false);
    expect(() => parseBoolean("maybe")).toThrow('"maybe" is not a boolean');
  });
});

describe("whole numbers are plain decimal digits", () => {
  test("an optional minus and digits", () => {
    expect(parseNumber("42", true)).toBe(42);
    expect(parseNumber("-1", true)).toBe(-1);
  });
  test("past 2^53 a whole number is refused, not rounded", () => {
    expect(parseNumber("9007199254740991", true)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => parseNumber("9007199254740993", true)).toThrow('"9007199254740993" is too large');
    expect(() => parseNumber("100000000000000000000", true)).toThrow("is too large");
  });
  test("exponents, hex, octal, binary and signs are not whole numbers", () => {
    for (const text of ["1e3", "0x10", "0o17", "0b11", "+5", "1_000", "Infinity", "10."])
      expect(() => parseNumber(text, true)).toThrow(`"${text}" is not a whole number`);
  });
});
