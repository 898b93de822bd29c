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
  test("exponents, hex, octal, binary and signs are not whole numbers", () => {
    for (const text of ["1e3", "0x10", "0o17", "0b11", "+5", "1_000", "Infinity", "10."])
      expect(() => parseNumber(text, true)).toThrow(`"${text}" is not a whole number`);
  });
});
