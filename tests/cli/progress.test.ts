/**
 * Progress is one self-overwriting line on stderr; a log line or a result printed to the same
 * terminal must not be glued to it ("ffind: 26200 matchesbig/d188/file146").
 */
import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { run } from "../helpers/compiled.ts";

const fixture = join(resolve(import.meta.dir), "progress-fixture.ts");

/** The fixture under `script`, which gives it a terminal for stdout and stderr. */
async function onTerminal(): Promise<string> {
  const command = `'${process.execPath}' run '${fixture}' --log-format text --no-color`;
  const result = await run(["script", "-qec", command, "/dev/null"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent", TERM: "dumb" },
  });
  expect(result.exitCode).toBe(0);
  return result.stdout;
}

describe("progress on a terminal", () => {
  test("is cleared before a log line and before results printed to the same terminal", async () => {
    const screen = await onTerminal();
    expect(screen).toContain("\r\x1b[Kworking 1");
    expect(screen).toContain("working 1\r\x1b[KWARN  a warning");
    expect(screen).toContain("working 2\r\x1b[Kresult");
  });
});
