/** The hot-path parsers' shortcuts (repeated time text, "D.DDD", packed small values) agree with the slow paths. */
import { describe, expect, test } from "bun:test";
import { parseMillis, TimeParser } from "../../lib/nginx/fields.ts";
import { SmallCounts } from "../../lib/nginx/small-counts.ts";

const encoder = new TextEncoder();
const millis = (text: string) => parseMillis(encoder.encode(text), 0, text.length);

describe("field parsers", () => {
  test("parseMillis: the D.DDD shortcut and the general path agree", () => {
    expect(millis("0.003")).toBe(3);
    expect(millis("1.234")).toBe(1234);
    expect(millis("9.999")).toBe(9999);
    expect(millis("12.345")).toBe(12345);
    expect(millis("0.5")).toBe(500);
    expect(millis("1.2x4")).toBe(-1);
    expect(millis("0.002, 0.010")).toBe(12);
  });

  test("TimeParser: a repeated second, then a new second, day and zone", () => {
    const parser = new TimeParser();
    const parse = (text: string) => parser.local(encoder.encode(text), 0, text.length);
    const expected = (text: string) =>
      Date.parse(text.replace(/^(\d\d)\/(\w\w\w)\/(\d{4}):(\S+) (\S+)$/, "$2 $1 $3 $4 GMT$5")) /
      1000;
    for (const text of [
      "10/Oct/2000:13:55:36 -0700",
      "10/Oct/2000:13:55:36 -0700",
      "10/Oct/2000:13:55:37 -0700",
      "10/Oct/2000:13:55:37 +0000",
      "11/Oct/2000:13:55:37 +0000",
      "11/Oct/2000:13:55:37 +0000",
    ])
      expect(parse(text)).toBe(expected(text));
    expect(parse("11/Oct/2000:13:55:3x +0000")).toBeNaN();
    const iso = new TimeParser();
    const parseIso = (text: string) => iso.iso(encoder.encode(text), 0, text.length);
    for (const text of [
      "2000-10-10T13:55:36-07:00",
      "2000-10-10T13:55:36-07:00",
      "2000-10-10T13:55:36+00:00",
    ])
      expect(parseIso(text)).toBe(Date.parse(text) / 1000);
  });

  test("SmallCounts: exact per value, long values, the limit and (other)", () => {
    const counts = new SmallCounts(3, "default");
    const values = ["GET", "POST", "GET", "", "GET", "PROPFIND-LONG-METHOD", "PUT", "GET"];
    for (const value of values) {
      const bytes = encoder.encode(value);
      counts.add(new DataView(bytes.buffer), bytes, 0, bytes.length);
    }
    expect(counts.toRecord()).toEqual({ GET: 4, POST: 1, "-": 1, "(other)": 2 });
  });
});
