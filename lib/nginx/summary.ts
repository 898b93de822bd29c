/**
 * The mergeable result of one analysis: plain JSON (what --state writes and Workers post back).
 * Merging two summaries gives what one run over both inputs gives, within the sketches' bounds.
 */
import { binCount, DDSketch, sparseQuantile } from "./sketch/ddsketch.ts";
import { HyperLogLog } from "./sketch/hyperloglog.ts";

export const summaryVersion = 1;

/** Most timeline buckets kept: past this an automatic width doubles (bounded on any time range). */
export const maxBuckets = 1440;
/**
 * Most buckets of a width given with --bucket (Prometheus's limit of points per series: a week
 * at 1m, 3 hours at 1s): past this it doubles too, so 1s over a week is not 604800 sketches.
 */
export const maxGivenBuckets = 11000;

/** DDSketch as JSON: sparse bins [index, count, index, count, ...]. */
export interface SketchState {
  count: number;
  zeros: number;
  sum: number;
  max: number;
  bins: number[];
}

export interface TopEntry {
  /** Key bytes as a latin1 string (raw log bytes, still nginx-escaped). */
  key: string;
  count: number;
  error: number;
}

export interface TopState {
  capacity: number;
  /** Items offered. */
  total: number;
  /** Smallest counter if the summary was full (bounds the count of anything absent), else 0. */
  min: number;
  entries: TopEntry[];
}

export interface BucketState {
  /** Bucket start, Unix seconds. */
  t: number;
  requests: number;
  bytes: number;
  /** Requests per status class 1xx..5xx (index 0..4). */
  classes: number[];
  requestTime: SketchState;
}

export interface LatencyState {
  all: SketchState;
  byClass: Record<string, SketchState>;
}

export interface BadLine {
  source: string;
  line: number;
  text: string;
  reason: string;
}

export interface Summary {
  version: number;
  format: string;
  escape: string;
  /** Which measures the log format provides (a format without $request_time has no latency). */
  has: {
    /** Absent in state files of older versions: treat as true. */
    ips?: boolean;
    paths?: boolean;
    time: boolean;
    requestTime: boolean;
    upstreamTime: boolean;
    userAgent: boolean;
    referer: boolean;
  };
  sources: string[];
  lines: number;
  bad: number;
  filtered: number;
  requests: number;
  bytes: number;
  firstTime: number | null;
  lastTime: number | null;
  status: Record<string, number>;
  methods: Record<string, number>;
  protocols: Record<string, number>;
  bucketSeconds: number;
  /** The width was chosen automatically (not --bucket), so merging widens it too. Absent in older state files: true. */
  bucketAuto?: boolean;
  buckets: BucketState[];
  top: Record<TopName, TopState>;
  /** HyperLogLog registers, base64. */
  distinct: { ip: string; path: string };
  latency: { request: LatencyState; upstream: LatencyState };
  /** Per-path request_time sketches for the heaviest paths (own Space-Saving summary). */
  pathLatency: { top: TopState; sketches: SketchState[] };
  badExamples: BadLine[];
}

export const topNames = ["ip", "path", "pathQuery", "userAgent", "referer", "statusPath"] as const;
export type TopName = (typeof topNames)[number];

/**
 * The sketch as sparse bins. Counted first and written into an array of the final length: pushed
 * one by one, the arrays of a summary's ~1440 timeline sketches left about three times their size
 * in garbage, the largest transient of building a summary.
 */
export function sketchToState(sketch: DDSketch): SketchState {
  const counts = sketch.bins;
  let used = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) used++;
  const bins = new Array<number>(2 * used);
  let at = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (c !== 0) {
      bins[at++] = i + sketch.first;
      bins[at++] = c;
    }
  }
  return { count: sketch.count, zeros: sketch.zeros, sum: sketch.sum, max: sketch.max, bins };
}

export function sketchFromState(state: SketchState): DDSketch {
  const counts = new Float64Array(binCount);
  for (let i = 0; i + 1 < state.bins.length; i += 2)
    counts[state.bins[i] as number] = state.bins[i + 1] as number;
  const sketch = new DDSketch(counts);
  sketch.count = state.count;
  sketch.zeros = state.zeros;
  sketch.sum = state.sum;
  sketch.max = state.max;
  return sketch;
}

export function emptySketchState(): SketchState {
  return { count: 0, zeros: 0, sum: 0, max: 0, bins: [] };
}

/**
 * True when bins are what sketchToState writes: [index, count] pairs with in-range integer
 * indices in strictly ascending order and number counts. Those merge and rank sparse; anything
 * else (a hand-edited state file) goes through a dense DDSketch, as it always did.
 */
function isCanonical(bins: readonly number[]): boolean {
  let last = -1;
  for (let i = 0; i + 1 < bins.length; i += 2) {
    const index = bins[i] as number;
    if (!Number.isInteger(index) || index <= last || index >= binCount) return false;
    if (typeof bins[i + 1] !== "number") return false;
    last = index;
  }
  return true;
}

/**
 * a + b. Canonical bins merge sparse: a merge per timeline bucket with two dense 8 KB arrays
 * each was most of the peak memory of merging two ranges' summaries.
 */
export function mergeSketchStates(a: SketchState, b: SketchState): SketchState {
  if (!isCanonical(a.bins) || !isCanonical(b.bins)) {
    const sketch = sketchFromState(a);
    sketch.merge(sketchFromState(b));
    return sketchToState(sketch);
  }
  const x = a.bins;
  const y = b.bins;
  // Two passes over the ascending pairs: count the result's bins, then write them (no pushes,
  // see sketchToState). Counts as the dense merge adds them; zero sums dropped, as sketchToState does.
  let bins: number[] = [];
  for (let pass = 0; pass < 2; pass++) {
    let at = 0;
    let i = 0;
    let j = 0;
    while (i + 1 < x.length || j + 1 < y.length) {
      const xi = i + 1 < x.length ? (x[i] as number) : binCount;
      const yj = j + 1 < y.length ? (y[j] as number) : binCount;
      let index: number;
      let count: number;
      if (xi === yj) {
        index = xi;
        count = (x[i + 1] as number) + (y[j + 1] as number);
        i += 2;
        j += 2;
      } else if (xi < yj) {
        index = xi;
        count = x[i + 1] as number;
        i += 2;
      } else {
        index = yj;
        count = y[j + 1] as number;
        j += 2;
      }
      if (count === 0) continue;
      if (pass === 1) {
        bins[at] = index;
        bins[at + 1] = count;
      }
      at += 2;
    }
    if (pass === 0) bins = new Array<number>(at);
  }
  return {
    count: a.count + b.count,
    zeros: a.zeros + b.zeros,
    sum: a.sum + b.sum,
    // biome-ignore lint/complexity/useMathMinMax: DDSketch.merge's rule (Math.max differs on NaN).
    max: b.max > a.max ? b.max : a.max,
    bins,
  };
}

/** The sketch's quantile q, in seconds (NaN when empty). */
export function stateQuantile(state: SketchState, q: number): number {
  return isCanonical(state.bins)
    ? sparseQuantile(state.bins, state.count, state.zeros, state.max, q)
    : sketchFromState(state).quantile(q);
}

export function hllToBase64(hll: HyperLogLog): string {
  return Buffer.from(hll.registers).toString("base64");
}

export function hllFromBase64(text: string): HyperLogLog {
  return new HyperLogLog(new Uint8Array(Buffer.from(text, "base64")));
}

export function distinctEstimate(text: string): number {
  return hllFromBase64(text).estimate();
}

/**
 * Merges two Space-Saving summaries (Agarwal et al., "Mergeable summaries"): a key missing from
 * a full summary may have occurred up to that summary's min times, so the min is added to both
 * its count and its error; then the largest `capacity` counters are kept.
 */
export function mergeTop(a: TopState, b: TopState): TopState {
  const merged = new Map<string, TopEntry>();
  for (const entry of a.entries)
    merged.set(entry.key, { ...entry, count: entry.count + b.min, error: entry.error + b.min });
  for (const entry of b.entries) {
    const existing = merged.get(entry.key);
    if (existing) {
      existing.count += entry.count - b.min;
      existing.error += entry.error - b.min;
    } else
      merged.set(entry.key, { ...entry, count: entry.count + a.min, error: entry.error + a.min });
  }
  const capacity = Math.max(a.capacity, b.capacity);
  const entries = [...merged.values()].sort((x, y) => y.count - x.count || byKey(x.key, y.key));
  const kept = entries.slice(0, capacity);
  const dropped = entries[capacity];
  const min =
    entries.length > capacity ? Math.max(a.min + b.min, dropped?.count ?? 0) : a.min + b.min;
  return { capacity, total: a.total + b.total, min, entries: kept };
}

/** Latin-1 keys hold one byte per character: this is SpaceSaving.entries' byte order. */
export const byKey = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

function addRecords(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const result = { ...a };
  for (const [key, value] of Object.entries(b)) result[key] = (result[key] ?? 0) + value;
  return result;
}

function mergeLatency(a: LatencyState, b: LatencyState): LatencyState {
  const byClass: Record<string, SketchState> = { ...a.byClass };
  for (const [key, state] of Object.entries(b.byClass))
    byClass[key] = byClass[key] ? mergeSketchStates(byClass[key], state) : state;
  return { all: mergeSketchStates(a.all, b.all), byClass };
}

function mergeBuckets(
  a: Summary,
  b: Summary,
): { bucketSeconds: number; bucketAuto: boolean; buckets: BucketState[] } {
  const bucketAuto = a.bucketAuto !== false && b.bucketAuto !== false;
  let bucketSeconds = Math.max(a.bucketSeconds, b.bucketSeconds);
  let buckets = foldBuckets([...a.buckets, ...b.buckets], bucketSeconds);
  // As one Analyzer over both inputs would: double the width until the timeline fits again.
  while (buckets.length > (bucketAuto ? maxBuckets : maxGivenBuckets)) {
    bucketSeconds *= 2;
    buckets = foldBuckets(buckets, bucketSeconds);
  }
  return { bucketSeconds, bucketAuto, buckets };
}

/** Buckets re-cut to `bucketSeconds`, those falling together added up, in time order. */
function foldBuckets(all: BucketState[], bucketSeconds: number): BucketState[] {
  const byStart = new Map<number, BucketState>();
  for (const bucket of all) {
    const t = Math.floor(bucket.t / bucketSeconds) * bucketSeconds;
    const existing = byStart.get(t);
    if (!existing) byStart.set(t, { ...bucket, t, classes: [...bucket.classes] });
    else {
      existing.requests += bucket.requests;
      existing.bytes += bucket.bytes;
      for (let i = 0; i < 5; i++)
        existing.classes[i] = (existing.classes[i] ?? 0) + (bucket.classes[i] ?? 0);
      existing.requestTime = mergeSketchStates(existing.requestTime, bucket.requestTime);
    }
  }
  return [...byStart.values()].sort((x, y) => x.t - y.t);
}

function mergePathLatency(
  a: Summary["pathLatency"],
  b: Summary["pathLatency"],
): Summary["pathLatency"] {
  const top = mergeTop(a.top, b.top);
  const sketchOf = new Map<string, SketchState>();
  a.top.entries.forEach((entry, i) => {
    sketchOf.set(entry.key, a.sketches[i] ?? emptySketchState());
  });
  b.top.entries.forEach((entry, i) => {
    const state = b.sketches[i] ?? emptySketchState();
    const existing = sketchOf.get(entry.key);
    sketchOf.set(entry.key, existing ? mergeSketchStates(existing, state) : state);
  });
  return {
    top,
    sketches: top.entries.map((entry) => sketchOf.get(entry.key) ?? emptySketchState()),
  };
}

const minOf = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.min(a, b);
const maxOf = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.max(a, b);

/** a + b. Both must come from the same log format. */
export function mergeSummaries(a: Summary, b: Summary, badExampleLimit = 10): Summary {
  const ipHll = hllFromBase64(a.distinct.ip);
  ipHll.merge(hllFromBase64(b.distinct.ip));
  const pathHll = hllFromBase64(a.distinct.path);
  pathHll.merge(hllFromBase64(b.distinct.path));
  const top = {} as Record<TopName, TopState>;
  for (const name of topNames) top[name] = mergeTop(a.top[name], b.top[name]);
  return {
    version: summaryVersion,
    format: a.format,
    escape: a.escape,
    has: {
      time: a.has.time || b.has.time,
      requestTime: a.has.requestTime || b.has.requestTime,
      upstreamTime: a.has.upstreamTime || b.has.upstreamTime,
      userAgent: a.has.userAgent || b.has.userAgent,
      referer: a.has.referer || b.has.referer,
      ips: a.has.ips !== false || b.has.ips !== false,
      paths: a.has.paths !== false || b.has.paths !== false,
    },
    sources: [...a.sources, ...b.sources.filter((s) => !a.sources.includes(s))],
    lines: a.lines + b.lines,
    bad: a.bad + b.bad,
    filtered: a.filtered + b.filtered,
    requests: a.requests + b.requests,
    bytes: a.bytes + b.bytes,
    firstTime: minOf(a.firstTime, b.firstTime),
    lastTime: maxOf(a.lastTime, b.lastTime),
    status: addRecords(a.status, b.status),
    methods: addRecords(a.methods, b.methods),
    protocols: addRecords(a.protocols, b.protocols),
    ...mergeBuckets(a, b),
    top,
    distinct: { ip: hllToBase64(ipHll), path: hllToBase64(pathHll) },
    latency: {
      request: mergeLatency(a.latency.request, b.latency.request),
      upstream: mergeLatency(a.latency.upstream, b.latency.upstream),
    },
    pathLatency: mergePathLatency(a.pathLatency, b.pathLatency),
    badExamples: [...a.badExamples, ...b.badExamples].slice(0, badExampleLimit),
  };
}

/** Parts mergeSummaries and buildReport read without checking: a JSON without them crashed merge. */
const stateObjects = [
  "has",
  "status",
  "methods",
  "protocols",
  "top",
  "distinct",
  "latency",
  "pathLatency",
] as const;
const stateArrays = ["sources", "buckets", "badExamples"] as const;

/** Why `value` is not a state this version can merge, or undefined when it is one. */
export function stateProblem(value: unknown): string | undefined {
  const notState = "not an nginxlog state file";
  if (typeof value !== "object" || value === null) return notState;
  const state = value as Record<string, unknown>;
  if (typeof state.requests !== "number") return notState;
  if (typeof state.version === "number" && state.version !== summaryVersion)
    return `state file version ${state.version}; this nginxlog reads version ${summaryVersion}`;
  if (state.version !== summaryVersion) return notState;
  const isObject = (key: string) => typeof state[key] === "object" && state[key] !== null;
  if (!stateObjects.every(isObject) || !stateArrays.every((key) => Array.isArray(state[key])))
    return notState;
  if (!partsInside(state as unknown as Summary)) return notState;
  return undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;
const isTop = (value: unknown) => isRecord(value) && Array.isArray(value.entries);
const isSketch = (value: unknown) => isRecord(value) && Array.isArray(value.bins);
const isLatency = (value: unknown) =>
  isRecord(value) &&
  isSketch(value.all) &&
  isRecord(value.byClass) &&
  Object.values(value.byClass).every(isSketch);

/** The parts inside that merge and the report read: missing, they crashed without naming the file. */
function partsInside(state: Summary): boolean {
  const { top, distinct, latency, pathLatency } = state;
  return (
    topNames.every((name) => isTop(top[name])) &&
    typeof distinct.ip === "string" &&
    typeof distinct.path === "string" &&
    isLatency(latency.request) &&
    isLatency(latency.upstream) &&
    isTop(pathLatency.top) &&
    Array.isArray(pathLatency.sketches)
  );
}

export function isSummary(value: unknown): value is Summary {
  return stateProblem(value) === undefined;
}
