/** LineFeeder: whole lines out of reads of any size, line numbers, and a bound on a line's length. */
import { expect, test } from "bun:test";
import { Analyzer } from "../../lib/nginx/analyzer.ts";
import { resolveFormat } from "../../lib/nginx/format.ts";
import { feedStream, LineFeeder } from "../../lib/nginx/reader.ts";

const good = (i: number) =>
  `10.0.0.${i} - - [26/Nov/2026:10:00:00 +0000] "GET /p HTTP/1.1" 200 1 "-" "curl/8"\n`;

test("a line longer than the cap is one bad line and the buffer stops growing (a run of NUL bytes)", () => {
  const analyzer = new Analyzer({ format: resolveFormat("combined") });
  analyzer.source = "holes.log";
  // 256-byte reads, lines capped at 4 KiB: the 100 KB run without "\n" must not be kept whole.
  const feeder = new LineFeeder(analyzer, 1, 256, 4096);
  const encoder = new TextEncoder();
  feeder.push(encoder.encode(good(1)));
  feeder.push(new Uint8Array(100_000));
  feeder.push(encoder.encode(`\n${good(3)}${good(4)}`));
  feeder.finish();
  expect(feeder.capacity).toBeLessThanOrEqual(4096);
  expect(analyzer.requests).toBe(3);
  expect(analyzer.lines).toBe(4);
  expect(analyzer.bad).toBe(1);
  expect(analyzer.badExamples[0]).toMatchObject({ source: "holes.log", line: 2 });
  expect(analyzer.badExamples[0]?.reason).toContain("longer than 4096 bytes");
  // Line numbers after the long line are still the file's.
  expect(feeder.lineNumber).toBe(5);
});

test("a long line still under the cap is read whole", () => {
  const analyzer = new Analyzer({ format: resolveFormat("combined") });
  const feeder = new LineFeeder(analyzer, 1, 256, 4096);
  const long = good(1).replace("/p", `/${"x".repeat(3000)}`);
  feeder.push(new TextEncoder().encode(long + good(2)));
  feeder.finish();
  expect(analyzer.requests).toBe(2);
  expect(analyzer.bad).toBe(0);
});

test("feedStream with a stop signal lets each chunk go once fed (racing one long-lived promise kept them all)", async () => {
  const analyzer = new Analyzer({ format: resolveFormat("combined") });
  const feeder = new LineFeeder(analyzer);
  const line = new TextEncoder().encode(good(1));
  const fed: WeakRef<Uint8Array>[] = [];
  let aliveMidway = -1;
  async function* chunks() {
    for (let i = 0; i < 60; i++) {
      const chunk = new Uint8Array(64 * 1024 - ((64 * 1024) % line.length));
      for (let at = 0; at < chunk.length; at += line.length) chunk.set(line, at);
      fed.push(new WeakRef(chunk));
      yield chunk;
      if (i === 50) {
        Bun.gc(true);
        aliveMidway = fed.filter((ref) => ref.deref() !== undefined).length;
      }
    }
  }
  await feedStream(chunks(), feeder, new AbortController().signal);
  expect(analyzer.requests).toBe(60 * Math.floor((64 * 1024) / line.length));
  // The chunk just fed may still be referenced; 51 were before the leak was fixed.
  expect(aliveMidway).toBeGreaterThanOrEqual(0);
  expect(aliveMidway).toBeLessThan(5);
});
