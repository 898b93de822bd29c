/** --where clauses as parsed: what each operator accepts, and what it refuses before the analysis. */
import { describe, expect, test } from "bun:test";
import { parseWhere } from "../../lib/nginx/filter.ts";

describe("parseWhere", () => {
  test("a comparison without a number is refused (an unset $LIMIT in a script is not 0)", () => {
    for (const text of ["request_time>", "request_time >= ", "status<\t"])
      expect(() => parseWhere(text)).toThrow(`--where "${text}": `);
    expect(parseWhere("request_time>0").number).toBe(0);
    expect(parseWhere("request_time > 1.5").number).toBe(1.5);
  });
});
