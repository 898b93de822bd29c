/** --where clauses as parsed: what each operator accepts, and what it refuses before the analysis. */
import { describe, expect, test } from "bun:test";
import { parseWhere, whereHolds } from "../../lib/nginx/filter.ts";

describe("parseWhere", () => {
  test("a comparison without a number is refused (an unset $LIMIT in a script is not 0)", () => {
    for (const text of ["request_time>", "request_time >= ", "status<\t"])
      expect(() => parseWhere(text)).toThrow(`--where "${text}": `);
    expect(parseWhere("request_time>0").number).toBe(0);
    expect(parseWhere("request_time > 1.5").number).toBe(1.5);
  });
});

describe("whereHolds", () => {
  test("a time list ($upstream_response_time after retries) compares its sum, as the report counts it", () => {
    const slow = parseWhere("upstream_response_time>1");
    expect(whereHolds(slow, "0.002, 1.500 : 0.004")).toBe(true); // 1.506 s in all
    expect(whereHolds(slow, "0.002, -, 0.010")).toBe(false); // "-": an attempt without response
    expect(whereHolds(slow, "1.200")).toBe(true);
    expect(whereHolds(parseWhere("request_time<=0.5"), "0.300")).toBe(true);
    expect(whereHolds(slow, "-")).toBe(false); // no upstream: not a number at all
  });

  test("other lists compare their first number, as before ($upstream_status '502, 200')", () => {
    expect(whereHolds(parseWhere("upstream_status>=500"), "502, 200")).toBe(true);
    expect(whereHolds(parseWhere("upstream_status>=500"), "200, 502")).toBe(false);
  });
});
