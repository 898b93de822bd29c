/** The sketches' stated guarantees, checked against exact answers on skewed seeded streams. */
import { describe, expect, test } from "bun:test";
import { binCount, DDSketch } from "../../lib/nginx/sketch/ddsketch.ts";
import { hashBytes, hashRange } from "../../lib/nginx/sketch/hash.ts";
import { HyperLogLog } from "../../lib/nginx/sketch/hyperloglog.ts";
import { SpaceSaving } from "../../lib/nginx/sketch/space-saving.ts";
import {
  mergeSketchStates,
  mergeTop,
  type SketchState,
  sketchFromState,
  sketchToState,
  stateQuantile,
  type TopState,
} from "../../lib/nginx/summary.ts";

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

  test("equal counts come out in key order, whatever order the keys arrived and merged in", () => {
    const keys = ["b", "a", "d", "c", "aa"];
    const forwards = new SpaceSaving(16, 8);
    const backwards = new SpaceSaving(16, 8);
    offerAll(forwards, [...keys, ...keys, "z"]);
    offerAll(backwards, [...keys, ...keys].reverse());
    const order = ["a", "aa", "b", "c", "d"];
    expect(topState(forwards).entries.map((e) => e.key)).toEqual([...order, "z"]);
    expect(topState(backwards).entries.map((e) => e.key)).toEqual(order);
    // Threads reading pieces of one file in any order: the merge orders ties the same way.
    const halves = [new SpaceSaving(16, 8), new SpaceSaving(16, 8)] as const;
    offerAll(halves[0], ["d", "c", "d", "c"]);
    offerAll(halves[1], ["aa", "b", "a", "b", "a", "aa"]);
    for (const merged of [
      mergeTop(topState(halves[0]), topState(halves[1])),
      mergeTop(topState(halves[1]), topState(halves[0])),
    ])
      expect(merged.entries.map((e) => e.key)).toEqual(order);
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

/** A sketch over all binCount bins from the start: what every sketch was before spans. */
function fullWidth(): DDSketch {
  return new DDSketch(new Float64Array(binCount));
}

describe("DDSketch spans", () => {
  const latencies = () =>
    Array.from({ length: 20_000 }, () => Math.floor(random() ** 4 * 3000) + 1);
  const quantileList = [0, 0.1, 0.5, 0.9, 0.99, 0.999, 1];

  test("adds, merges and resets give the bins and quantiles of a full-width sketch", () => {
    const spanned = [new DDSketch(), new DDSketch()];
    const full = [fullWidth(), fullWidth()];
    latencies().forEach((ms, i) => {
      (spanned[i % 2] as DDSketch).addMillis(ms);
      (full[i % 2] as DDSketch).addMillis(ms);
    });
    // Outliers on both sides grow a span that exists already.
    for (const ms of [0, 70_000, 99_999_999]) {
      (spanned[0] as DDSketch).addMillis(ms);
      (full[0] as DDSketch).addMillis(ms);
    }
    const [a, b] = spanned as [DDSketch, DDSketch];
    const [fa, fb] = full as [DDSketch, DDSketch];
    a.merge(b);
    fa.merge(fb);
    expect(sketchToState(a)).toEqual(sketchToState(fa));
    for (const q of quantileList) expect(a.quantile(q)).toBe(fa.quantile(q));
    const empty = new DDSketch();
    empty.merge(b);
    expect(sketchToState(empty)).toEqual(sketchToState(fb));
    b.reset();
    b.addMillis(5);
    expect(sketchToState(b)).toEqual({
      count: 1,
      zeros: 0,
      sum: 5,
      max: 5,
      bins: [b.first + b.bins.indexOf(1), 1],
    });
  });

  test("a sketch of 1 ms..3 s holds only the bins it spans; spanning() starts at its span", () => {
    const sketch = new DDSketch();
    for (const ms of latencies()) sketch.addMillis(ms);
    expect(sketch.bins.length).toBeLessThan(binCount / 2);
    const next = DDSketch.spanning(sketch);
    expect(next.first).toBe(sketch.first);
    expect(next.bins.length).toBe(sketch.bins.length);
    expect(next.count).toBe(0);
    expect([...next.bins].every((c) => c === 0)).toBe(true);
  });
});

describe("sketch states", () => {
  const state = (n: number, spread: number): SketchState => {
    const sketch = new DDSketch();
    for (let i = 0; i < n; i++) sketch.addMillis(Math.floor(random() ** 3 * spread));
    return sketchToState(sketch);
  };
  const denseMerge = (a: SketchState, b: SketchState): SketchState => {
    const sketch = sketchFromState(a);
    sketch.merge(sketchFromState(b));
    return sketchToState(sketch);
  };

  test("merge without dense arrays gives what the dense merge gives", () => {
    const cases: [SketchState, SketchState][] = [
      [state(5000, 3000), state(5000, 60_000)],
      [state(3, 10), state(4000, 2000)],
      [state(0, 1), state(100, 100)],
      [state(0, 1), state(0, 1)],
      // A zero count in a state file, and counts that cancel, drop out as sketchToState drops them.
      [
        { count: 3, zeros: 0, sum: 3, max: 1, bins: [100, 2, 200, 0, 300, 1] },
        { count: 0, zeros: 0, sum: 0, max: 0, bins: [300, -1, 400, 5] },
      ],
    ];
    for (const [a, b] of cases) {
      expect(mergeSketchStates(a, b)).toEqual(denseMerge(a, b));
      expect(mergeSketchStates(b, a)).toEqual(denseMerge(b, a));
    }
  });

  test("bins out of order, repeated or out of range merge and rank as a dense sketch reads them", () => {
    const odd: SketchState = {
      count: 6,
      zeros: 0,
      sum: 6,
      max: 1,
      bins: [300, 1, 100, 2, 100, 3, binCount + 5, 9],
    };
    const other = state(1000, 3000);
    expect(mergeSketchStates(odd, other)).toEqual(denseMerge(odd, other));
    for (const q of [0, 0.5, 0.99])
      expect(stateQuantile(odd, q)).toBe(sketchFromState(odd).quantile(q));
  });

  test("quantiles of a state equal the dense sketch's", () => {
    for (const s of [state(10_000, 3000), state(1, 5), state(0, 1), state(50, 100_000_000)])
      for (const q of [0, 0.01, 0.5, 0.9, 0.99, 0.999, 1])
        expect(Object.is(stateQuantile(s, q), sketchFromState(s).quantile(q))).toBe(true);
  });
});
