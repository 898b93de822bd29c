import { describe, expect, test } from "bun:test";
import { Output } from "../../lib/cli/output.ts";

describe("Output", () => {
  test("a closed reader (EPIPE) is reported once and later writes are dropped", () => {
    let writes = 0;
    let closes = 0;
    const out = new Output({
      json: false,
      color: false,
      isTTY: false,
      write: () => {
        writes++;
        throw Object.assign(new Error("broken pipe"), { code: "EPIPE" });
      },
      onClose: () => closes++,
    });
    out.line("first");
    out.flush();
    out.line("second");
    out.flush();
    expect(out.closed).toBe(true);
    expect(writes).toBe(1);
    expect(closes).toBe(1);
  });

  test("any other write error is thrown", () => {
    const out = new Output({
      json: false,
      color: false,
      isTTY: false,
      write: () => {
        throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
      },
      onClose: () => {
        throw new Error("onClose must not be called");
      },
    });
    out.line("x");
    expect(() => out.flush()).toThrow("no space left");
  });
});
