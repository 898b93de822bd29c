/** The hot-path parsers' shortcuts (repeated time text, "D.DDD", packed small values) agree with the slow paths. */
import { describe, expect, test } from "bun:test";
import { Analyzer } from "../../lib/nginx/analyzer.ts";
import { parseMillis, TimeParser } from "../../lib/nginx/fields.ts";
import { compileFormat, presets } from "../../lib/nginx/format.ts";
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
    // The same text at another offset of another buffer, then one differing only in its first word.
    const other = encoder.encode("xyz11/Oct/2000:13:55:37 +0000");
    expect(parser.local(other, 3, other.length)).toBe(expected("11/Oct/2000:13:55:37 +0000"));
    const day = encoder.encode("xyz12/Oct/2000:13:55:37 +0000");
    expect(parser.local(day, 3, day.length)).toBe(expected("12/Oct/2000:13:55:37 +0000"));
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

  test("SmallCounts: every packed length 0..8 at unaligned offsets, values sharing a prefix", () => {
    const counts = new SmallCounts(32, "default");
    const values = ["A", "AB", "ABC", "ABCD", "ABCDE", "ABCDEF", "ABCDEFG", "ABCDEFGH"];
    const all = [...values, ...values, "HTTP/1.1", "HTTP/1.0", "HTTP/1.1", "ABCDEFGI", "ABCE"];
    all.forEach((value, i) => {
      const bytes = encoder.encode(`${" ".repeat(i % 5)}${value}`);
      counts.add(new DataView(bytes.buffer), bytes, i % 5, bytes.length);
    });
    const expected: Record<string, number> = { "HTTP/1.1": 2, "HTTP/1.0": 1, ABCDEFGI: 1, ABCE: 1 };
    for (const value of values) expected[value] = 2;
    expect(counts.toRecord()).toEqual(expected);
  });

  test("the path ends at the first '?' wherever it falls in the URI", () => {
    const paths: string[] = [];
    const queries: string[] = [];
    const analyzer = new Analyzer({
      format: compileFormat(presets.common as string, "default", "common"),
      onRecord: (record) => {
        paths.push(record.field("path") as string);
        queries.push(record.field("query") as string);
      },
    });
    const uris: string[] = ["/", "/abcdefghij", "/a?b?c", "?", "/x?"];
    for (let at = 1; at <= 12; at++) uris.push(`${"/abcdefghijkl".slice(0, at)}?q=${at}`);
    const text = uris
      .map((uri) => `1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET ${uri} HTTP/1.1" 200 5\n`)
      .join("");
    const bytes = encoder.encode(text);
    analyzer.feed(bytes, 0, bytes.length, 1);
    expect(paths).toEqual(uris.map((uri) => uri.split("?")[0] as string));
    expect(queries).toEqual(uris.map((uri) => uri.split("?").slice(1).join("?")));
  });
});
