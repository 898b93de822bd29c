// podpatrol's logger in tests: JSON lines kept, parsed, for the test to assert on; or dropped.
import { Logger, type LogLevel } from "../../lib/cli/log.ts";
import type { LogLine } from "./patrol-process.ts";

/** A JSON logger at `level` whose lines are pushed, parsed, onto `lines`. */
export function capturedLog(level: LogLevel = "info"): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = new Logger({
    tool: "podpatrol",
    level,
    format: "json",
    color: false,
    write: (line) => void lines.push(JSON.parse(line)),
  });
  return { log, lines };
}

/** Errors only, written nowhere: for tests that assert on state, not logs. */
export const quietLog = new Logger({
  tool: "podpatrol",
  level: "error",
  format: "json",
  color: false,
  write: () => {},
});
