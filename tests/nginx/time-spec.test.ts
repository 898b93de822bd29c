/** --since/--until values: the forms accepted, and the ones refused rather than guessed. */
import { describe, expect, test } from "bun:test";
import { parseTimeSpec } from "../../lib/nginx/time-spec.ts";

const now = 1_800_000_000;
const at = (text: string) => parseTimeSpec(text, now, "--since");

describe("parseTimeSpec", () => {
  test("ISO, date-and-time, $time_local, Unix seconds and durations ago", () => {
    expect(at("2026-01-31T10:00:00Z")).toBe(Date.UTC(2026, 0, 31, 10) / 1000);
    expect(at("2026-01-31 10:00")).toBe(Date.UTC(2026, 0, 31, 10) / 1000);
    expect(at("2026-01-31")).toBe(Date.UTC(2026, 0, 31) / 1000);
    expect(at("2028-02-29")).toBe(Date.UTC(2028, 1, 29) / 1000);
    expect(at("31/Jan/2026:11:00:00 +0100")).toBe(Date.UTC(2026, 0, 31, 10) / 1000);
    expect(at("1780000030")).toBe(1780000030);
    expect(at("2h")).toBe(now - 7200);
  });

  test("a date the calendar does not have is refused, not rolled over into another day", () => {
    for (const text of [
      "2026-02-31",
      "2026-02-29",
      "2026-13-01",
      "2026-01-31T25:00:00Z",
      "2026-01-31 10:61",
      "31/Feb/2026:10:00:00 +0000",
      "31/Jan/2026:24:00:00 +0000",
    ])
      expect(() => at(text)).toThrow(`--since "${text}": no such date or time of day`);
  });

  test("a timestamp in milliseconds is refused with the seconds it probably meant", () => {
    expect(() => at("1780000030000")).toThrow(
      '--since "1780000030000": Unix seconds expected; this looks like milliseconds (1780000030 in seconds)',
    );
  });
});
