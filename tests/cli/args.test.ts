import { describe, expect, test } from "bun:test";
import { parseCommandLine } from "../../lib/cli/args.ts";
import type { OptionSpecs } from "../../lib/cli/types.ts";

const options: OptionSpecs = {
  maxDepth: { type: "integer", short: "d", description: "depth" },
  ratio: { type: "number", description: "a number" },
  name: { type: "string", description: "a string" },
  null: { type: "boolean", short: "0", description: "a short boolean flag" },
};

describe("parseCommandLine", () => {
  test("a negative number is the value of a numeric flag, not an ambiguous flag", () => {
    expect(parseCommandLine(["--max-depth", "-1"], options).flags).toEqual({ maxDepth: "-1" });
    expect(parseCommandLine(["-d", "-1", "x"], options)).toEqual({
      flags: { maxDepth: "-1" },
      positionals: ["x"],
    });
    expect(parseCommandLine(["--ratio", "-0.5"], options).flags).toEqual({ ratio: "-0.5" });
  });

  test("a flag after a numeric flag is not taken as its value", () => {
    // -0 is a flag of this tool: '--max-depth -0' stays a missing value, as before.
    expect(() => parseCommandLine(["--max-depth", "-0"], options)).toThrow("ambiguous");
    expect(() => parseCommandLine(["--max-depth", "--null"], options)).toThrow("ambiguous");
  });

  test("after -- nothing is rewritten", () => {
    expect(parseCommandLine(["--", "--max-depth", "-1"], options)).toEqual({
      flags: {},
      positionals: ["--max-depth", "-1"],
    });
  });
});

describe("a value that starts with a dash", () => {
  test("the error says how to write it (--flag=-VALUE), as node:util's full message did", () => {
    // The message was cut to its first sentence: "Option '--name' argument is ambiguous".
    expect(() => parseCommandLine(["--name", "-x"], options)).toThrow(
      "Option '--name' argument is ambiguous (a value that starts with a dash is written --name=-VALUE)",
    );
    expect(parseCommandLine(["--name=-x"], options).flags).toEqual({ name: "-x" });
  });
});
