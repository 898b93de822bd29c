/*
 * analyzer.ts's timeline (bucketFor, widenBuckets): requests, bytes, status classes and a
 * $request_time sketch per time bucket; past `limit` buckets the width doubles and neighbours
 * fold together, so memory stays bounded on any time range. Buckets live in one array (in the
 * order they were made; JavaScript sorts them) found through an open-addressing table by time.
 */
import { SKETCH_BYTES, sketchAdd, sketchMerge, sketchReset } from "./sketch";

/** t, requests, bytes (f64), classes[5] (f64), then the sketch. */
const BUCKET_BYTES: usize = 64 + SKETCH_BYTES;
const MAP_SIZE: i32 = 32768; // > 2 * 11000 buckets
let buckets: usize = 0;
let bucketCount: i32 = 0;
let limit: i32 = 0;
let width: f64 = 60;
let last: i32 = -1;
let map: usize = 0; // i32 bucket index + 1, 0 = empty
let enabled = false;

/** Sets up the timeline; returns where the buckets are (timelineState() says how many and how wide). */
export function timelineAreas(maxBuckets: i32, seconds: f64, on: bool): usize {
  limit = maxBuckets;
  width = seconds;
  enabled = on;
  const bytes = <usize>(maxBuckets + 1) * BUCKET_BYTES;
  buckets = heap.alloc(bytes);
  memory.fill(buckets, 0, bytes);
  map = heap.alloc(<usize>MAP_SIZE * 4);
  memory.fill(map, 0, <usize>MAP_SIZE * 4);
  return buckets;
}

/** The number of buckets, then the width in seconds. */
export function timelineState(): usize {
  const state = memory.data(16);
  store<f64>(state, <f64>bucketCount);
  store<f64>(state, width, 8);
  return state;
}

@inline function bucketAt(i: i32): usize {
  return buckets + <usize>i * BUCKET_BYTES;
}

@inline function slotOf(t: f64): i32 {
  const bits = reinterpret<i64>(t);
  return <i32>((bits ^ (bits >>> 29)) * 0x9e3779b97f4a7c15 >>> 49) & (MAP_SIZE - 1);
}

function find(t: f64): i32 {
  let i = slotOf(t);
  for (;;) {
    const entry = load<i32>(map + (<usize>i << 2));
    if (entry == 0) return -1;
    if (load<f64>(bucketAt(entry - 1)) == t) return entry - 1;
    i = (i + 1) & (MAP_SIZE - 1);
  }
  return -1;
}

function insert(t: f64, index: i32): void {
  let i = slotOf(t);
  while (load<i32>(map + (<usize>i << 2)) != 0) i = (i + 1) & (MAP_SIZE - 1);
  store<i32>(map + (<usize>i << 2), index + 1);
}

function bucketFor(time: f64): i32 {
  const t = Math.floor(time / width) * width;
  if (last >= 0 && load<f64>(bucketAt(last)) == t) return last;
  let index = find(t);
  if (index < 0) {
    if (bucketCount >= limit) {
      widen();
      return bucketFor(time);
    }
    index = bucketCount++;
    store<f64>(bucketAt(index), t);
    insert(t, index);
  }
  last = index;
  return index;
}

/** widenBuckets: doubles the width and folds buckets that now share a start. */
function widen(): void {
  width *= 2;
  last = -1;
  memory.fill(map, 0, <usize>MAP_SIZE * 4);
  let kept = 0;
  for (let i = 0; i < bucketCount; i++) {
    const b = bucketAt(i);
    const t = Math.floor(load<f64>(b) / width) * width;
    const existing = find(t);
    if (existing < 0) {
      const into = bucketAt(kept);
      if (into != b) memory.copy(into, b, BUCKET_BYTES);
      store<f64>(into, t);
      insert(t, kept);
      kept++;
    } else {
      const into = bucketAt(existing);
      for (let f: usize = 8; f < 64; f += 8) store<f64>(into + f, load<f64>(into + f) + load<f64>(b + f));
      sketchMerge(into + 64, b + 64);
      sketchReset(b + 64);
    }
  }
  // The folded tail: empty (its chunks went back to the pool or moved with a kept bucket).
  memory.fill(bucketAt(kept), 0, <usize>(bucketCount - kept) * BUCKET_BYTES);
  bucketCount = kept;
}

/** countLine's timeline part. */
export function timelineAdd(time: f64, size: f64, statusClass: i32, requestMillis: f64): void {
  if (!enabled || isNaN(time)) return;
  const b = bucketAt(bucketFor(time));
  store<f64>(b, load<f64>(b, 8) + 1, 8);
  store<f64>(b, load<f64>(b, 16) + size, 16);
  if (statusClass >= 0 && statusClass < 5) {
    const at = b + 24 + (<usize>statusClass << 3);
    store<f64>(at, load<f64>(at) + 1);
  }
  if (requestMillis >= 0) sketchAdd(b + 64, requestMillis);
}
