/**
 * Reads what the WebAssembly engine counted (assembly/*.ts) out of its memory into the
 * Analyzer's own structures: the layouts here are those files' (an @unmanaged class is laid out
 * in declaration order with natural alignment; the others are spelled out there).
 */
import { binCount, DDSketch } from "../sketch/ddsketch.ts";
import type { SpaceSavingState } from "../sketch/space-saving.ts";

/** assembly/space-saving.ts's Table. */
const tableLayout = {
  capacity: 0,
  maxKeyBytes: 4,
  size: 8,
  replaced: 12,
  mask: 16,
  filterShift: 20,
  total: 24,
  counts: 32,
  errors: 36,
  ranks: 40,
  keys: 44,
  lengths: 48,
  heap: 52,
  position: 56,
  table: 60,
  filter: 64,
  arena: 68,
} as const;

/** assembly/sketch.ts: count, zeros, sum, max, then 17 chunk addresses of 64 bins. */
export const sketchBytes = 32 + 17 * 4 + 4;
const chunkBins = 64;
const chunks = 17;
/** Chunks a sketch may take from the pool at most, and the bytes of one. */
export const sketchChunks = chunks;
export const sketchChunkBytes = chunkBins * 8;
if (binCount > chunkBins * chunks)
  throw new Error("DDSketch bins do not fit the engine's sketches");

/** assembly/timeline.ts's bucket: t, requests, bytes, classes[5], then a sketch. */
const bucketBytes = 64 + sketchBytes;

export function tableState(memory: ArrayBuffer, at: number): SpaceSavingState {
  const fields = new DataView(memory, at, 72);
  const i32 = (offset: number) => fields.getInt32(offset, true);
  const address = (offset: number) => fields.getUint32(offset, true);
  const capacity = i32(tableLayout.capacity);
  const maxKeyBytes = i32(tableLayout.maxKeyBytes);
  return {
    capacity,
    maxKeyBytes,
    total: fields.getFloat64(tableLayout.total, true),
    size: i32(tableLayout.size),
    replaced: i32(tableLayout.replaced),
    counts: new Float64Array(memory, address(tableLayout.counts), capacity),
    errors: new Float64Array(memory, address(tableLayout.errors), capacity),
    ranks: new Float64Array(memory, address(tableLayout.ranks), capacity),
    keys: new Int32Array(memory, address(tableLayout.keys), capacity),
    lengths: new Int32Array(memory, address(tableLayout.lengths), capacity),
    heap: new Int32Array(memory, address(tableLayout.heap), capacity),
    position: new Int32Array(memory, address(tableLayout.position), capacity),
    table: new Int32Array(memory, address(tableLayout.table), i32(tableLayout.mask) + 1),
    filter: new Uint32Array(
      memory,
      address(tableLayout.filter),
      2 ** (32 - i32(tableLayout.filterShift)),
    ),
    arena: new Uint8Array(memory, address(tableLayout.arena), capacity * maxKeyBytes),
  };
}

/**
 * Whole-memory views, made once per read-out: a typed-array view made per sketch (thousands of
 * them: one per timeline bucket and per top path) took ~40 ms of a run's end.
 */
export interface MemoryViews {
  f64: Float64Array;
  u32: Uint32Array;
}

export function memoryViews(memory: ArrayBuffer): MemoryViews {
  return { f64: new Float64Array(memory), u32: new Uint32Array(memory) };
}

/** The sketch at `at`, as a DDSketch; undefined when nothing was added since it was last emptied. */
export function sketchAt(views: MemoryViews, at: number): DDSketch | undefined {
  const { f64, u32 } = views;
  const head = at >> 3;
  const count = f64[head] as number;
  if (!count) return undefined;
  // Only the span of the chunks it has (a sketch of every bin made the summary of a range
  // read ~2 million empty bins).
  const addresses = (at + 32) >> 2;
  let firstChunk = chunks;
  let lastChunk = -1;
  for (let i = 0; i < chunks; i++) {
    if (u32[addresses + i] === 0) continue;
    if (firstChunk === chunks) firstChunk = i;
    lastChunk = i;
  }
  const first = firstChunk * chunkBins;
  const bins = new Float64Array(
    lastChunk < 0 ? 0 : Math.min(binCount, (lastChunk + 1) * chunkBins) - first,
  );
  for (let i = firstChunk; i <= lastChunk; i++) {
    const chunk = u32[addresses + i] as number;
    if (chunk === 0) continue;
    const length = Math.min(chunkBins, binCount - i * chunkBins);
    const from = chunk >> 3;
    bins.set(f64.subarray(from, from + length), i * chunkBins - first);
  }
  const sketch = DDSketch.ofSpan(lastChunk < 0 ? 0 : first, bins);
  sketch.count = count;
  sketch.zeros = f64[head + 1] as number;
  sketch.sum = f64[head + 2] as number;
  sketch.max = f64[head + 3] as number;
  return sketch;
}

export interface EngineBucket {
  t: number;
  requests: number;
  bytes: number;
  classes: Float64Array;
  requestTime: DDSketch;
}

export function bucketsAt(views: MemoryViews, at: number, count: number): EngineBucket[] {
  const { f64 } = views;
  const buckets: EngineBucket[] = [];
  for (let i = 0; i < count; i++) {
    const base = at + i * bucketBytes;
    const head = base >> 3;
    buckets.push({
      t: f64[head] as number,
      requests: f64[head + 1] as number,
      bytes: f64[head + 2] as number,
      classes: f64.slice(head + 3, head + 8),
      requestTime: sketchAt(views, base + 64) ?? new DDSketch(),
    });
  }
  return buckets;
}

/** assembly/small-counts.ts's set (LIMIT 32). */
const setLimit = 32;
const setLayout = {
  low: 0,
  high: 128,
  lengths: 256,
  counts: 384,
  longKeys: 640,
  longCounts: 776,
  packed: 1040,
  distinct: 1044,
  long: 1048,
} as const;

/** A SmallCounts' state: what SmallCounts.restore takes (names as JavaScript decoded them). */
export interface SmallCountsState {
  low: Int32Array;
  high: Int32Array;
  lengths: Int32Array;
  counts: Float64Array;
  packed: number;
  distinct: number;
  /** Long values and "(other)" (key -1), in the order they came. */
  long: { key: number; count: number; index: number }[];
}

export function smallCountsAt(memory: ArrayBuffer, at: number): SmallCountsState {
  const ints = new DataView(memory, at, setLayout.long + 4);
  const longCount = ints.getInt32(setLayout.long, true);
  const keys = new Int32Array(memory, at + setLayout.longKeys, setLimit + 1);
  const longCounts = new Float64Array(memory, at + setLayout.longCounts, setLimit + 1);
  const long = [];
  for (let i = 0; i < longCount; i++)
    long.push({ key: keys[i] as number, count: longCounts[i] as number, index: i });
  return {
    low: new Int32Array(memory, at + setLayout.low, setLimit).slice(),
    high: new Int32Array(memory, at + setLayout.high, setLimit).slice(),
    lengths: new Int32Array(memory, at + setLayout.lengths, setLimit).slice(),
    counts: new Float64Array(memory, at + setLayout.counts, setLimit).slice(),
    packed: ints.getInt32(setLayout.packed, true),
    distinct: ints.getInt32(setLayout.distinct, true),
    long,
  };
}
