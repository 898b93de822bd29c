import { expect, test } from "bun:test";
import { tracingEnabled, withSpan } from "../../lib/telemetry/span.ts";

test("without telemetry withSpan is a plain call: same value, same errors, no-op span", async () => {
  expect(tracingEnabled()).toBe(false);
  expect(withSpan("sync", { a: 1 }, (span) => (span.recording ? "recording" : "off"))).toBe("off");
  expect(await withSpan("async", {}, async () => 7)).toBe(7);
  expect(() =>
    withSpan("throws", {}, () => {
      throw new Error("boom");
    }),
  ).toThrow("boom");
  await expect(
    withSpan("rejects", {}, async () => Promise.reject(new Error("late"))),
  ).rejects.toThrow("late");
});
