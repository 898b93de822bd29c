/** The sketches' stated guarantees, checked against exact answers on skewed seeded streams. */
import { describe, expect, test } from "bun:test";
import { DDSketch } from "../../lib/nginx/sketch/ddsketch.ts";
import { hashBytes, hashRange } from "../../lib/nginx/sketch/hash.ts";
import { HyperLogLog } from "../../lib/nginx/sketch/hyperloglog.ts";
import { SpaceSaving } from "../../lib/nginx/sketch/space-saving.ts";
import { mergeTop, type TopState } from "../../lib/nginx/summary.ts";

let seed = 7;
function random(): number {
  seed = (seed * 48271) % 2147483647;
  return seed / 2147483647;
}

const encoder = new TextEncoder();

function stream(n: number, distinct: number): string[] {
  return Array.from({ length: n }, () => `key-${Math.floor(distinct * random() ** 4)}`);
}

function topState(sketch: SpaceSaving): TopState {
  return {
    capacity: sketch.capacity,
    total: sketch.total,
    min: sketch.minCount(),
    entries: sketch
      .entries()
      .map((e) => ({ key: new TextDecoder().decode(e.key), count: e.count, error: e.error })),
  };
}

function offerAll(sketch: SpaceSaving, items: string[]): void {
  for (const item of items) {
    const bytes = encoder.encode(item);
    sketch.offer(hashBytes(bytes, 0, bytes.length), bytes, 0, bytes.length, 0);
  }
}

function exactCounts(items: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

describe("hashRange", () => {
  test("returns int32 values (never a double above 2^31) for every tail length", () => {
    const bytes = encoder.encode("GET /some/path?with=a&query HTTP/1.1 Mozilla/5.0 (X11)");
    const view = new DataView(bytes.buffer);
    const seen = new Set<number>();
    for (let start = 0; start < 8; start++)
      for (let end = start; end <= bytes.length; end++) {
        const h = hashRange(view, bytes, start, end);
        expect(h).toBe(h | 0);
        seen.add(h);
      }
    expect(seen.size).toBeGreaterThan(300);
  });
});

describe("Space-Saving", () => {
  test("count - error <= true <= count, error <= N/m, every item above N/m present", () => {
    const items = stream(200_000, 50_000);
    const sketch = new SpaceSaving(500, 64);
    offerAll(sketch, items);
    const exact = exactCounts(items);
    const bound = items.length / 500;
    const state = topState(sketch);
    for (const entry of state.entries) {
      const truth = exact.get(entry.key) ?? 0;
      expect(entry.count - entry.error).toBeLessThanOrEqual(truth);
      expect(truth).toBeLessThanOrEqual(entry.count);
      expect(entry.error).toBeLessThanOrEqual(bound);
    }
    const present = new Set(state.entries.map((e) => e.key));
    for (const [key, count] of exact) if (count > bound) expect(present.has(key)).toBe(true);
  });

  test("minCount is the smallest counter and bounds every error while hits leave the heap stale", () => {
    // Hits only raise counters (the heap catches up lazily): the minimum must still be exact.
    const sketch = new SpaceSaving(64, 32);
    for (let round = 0; round < 40; round++) {
      offerAll(sketch, stream(2_000, 5_000 + round * 100));
      const entries = sketch.entries();
      const smallest = Math.min(...entries.map((e) => e.count));
      expect(sketch.minCount()).toBe(smallest);
      for (const entry of entries) expect(entry.error).toBeLessThanOrEqual(smallest);
    }
  });

  test("merged summaries keep the guarantee over the union", () => {
    const a = stream(100_000, 30_000);
    const b = stream(80_000, 30_000);
    const sa = new SpaceSaving(400, 64);
    const sb = new SpaceSaving(400, 64);
    offerAll(sa, a);
    offerAll(sb, b);
    const merged = mergeTop(topState(sa), topState(sb));
    const exact = exactCounts([...a, ...b]);
    const bound = (a.length + b.length) / 400;
    for (const entry of merged.entries) {
      const truth = exact.get(entry.key) ?? 0;
      expect(entry.count - entry.error).toBeLessThanOrEqual(truth);
      expect(truth).toBeLessThanOrEqual(entry.count);
      expect(entry.error).toBeLessThanOrEqual(bound);
    }
    const present = new Set(merged.entries.map((e) => e.key));
    for (const [key, count] of exact) if (count > bound) expect(present.has(key)).toBe(true);
  });
});

describe("HyperLogLog", () => {
  test("within 3 standard errors (2.4%) from 10 to 2 million distinct", () => {
    for (const n of [10, 1000, 50_000, 2_000_000]) {
      const hll = new HyperLogLog();
      for (let i = 0; i < n; i++) {
        const bytes = encoder.encode(`/item/${i.toString(36)}`);
        hll.add(hashBytes(bytes, 0, bytes.length));
      }
      expect(Math.abs(hll.estimate() - n) / n).toBeLessThanOrEqual(0.0243);
    }
  });
});

describe("DDSketch", () => {
  test("every quantile within 1% of the exact value at its rank; merge adds", () => {
    const values = Array.from({ length: 100_000 }, () => Math.floor(random() ** 3 * 30_000));
    const a = new DDSketch();
    const b = new DDSketch();
    values.forEach((ms, i) => {
      (i % 2 ? a : b).addMillis(ms);
    });
    a.merge(b);
    const sorted = [...values].sort((x, y) => x - y).map((ms) => ms / 1000);
    for (const q of [0, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
      const exact = sorted[Math.floor(q * (sorted.length - 1))] as number;
      expect(Math.abs(a.quantile(q) - exact)).toBeLessThanOrEqual(exact * 0.01 + 1e-12);
    }
    expect(a.count).toBe(values.length);
  });
});
