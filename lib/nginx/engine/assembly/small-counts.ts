/*
 * small-counts.ts's SmallCounts (methods, protocols), bit for bit: values of up to 8 bytes
 * packed into two int32 words and found by a linear scan, longer ones by hash; past `limit`
 * distinct values the rest count as "(other)". The names are JavaScript's to decode: add()
 * says when a value is new, and scan.ts hands its bytes over (an event) while they are in
 * the buffer.
 */

const LIMIT: i32 = 32;
const OTHER_KEY: i32 = -1;

/**
 * One set: low, high, length (i32 x LIMIT), counts (f64 x LIMIT), long keys (i32 x (LIMIT + 1)),
 * long counts (f64 x (LIMIT + 1)), then packed, distinct and long counts (i32).
 */
const LOW: usize = 0;
const HIGH: usize = LOW + LIMIT * 4;
const LENGTHS: usize = HIGH + LIMIT * 4;
const COUNTS: usize = LENGTHS + LIMIT * 4;
const LONG_KEYS: usize = COUNTS + LIMIT * 8;
const LONG_COUNTS: usize = LONG_KEYS + (LIMIT + 1) * 4 + 4;
const PACKED: usize = LONG_COUNTS + (LIMIT + 1) * 8;
const DISTINCT: usize = PACKED + 4;
const LONG: usize = DISTINCT + 4;
/** The packed value matched last, tried first: a log repeats GET and HTTP/1.1 line after line. */
const LAST: usize = LONG + 4;
const SET_BYTES: usize = LAST + 4;

export function newSet(): usize {
  const at = heap.alloc(SET_BYTES);
  memory.fill(at, 0, SET_BYTES);
  return at;
}

/** No new value. */
export const NOT_NEW: i32 = -1;

/**
 * Counts buf[start, end) in set `s`. Returns the index of a new packed value (>= 0), or
 * -2 - index of a new long value, or NOT_NEW.
 */
@inline export function addValue(s: usize, buf: usize, start: i32, end: i32, hash: i32): i32 {
  const length = end - start;
  if (length > 8) return addLong(s, (hash ^ (length * 0x9e3779b1)) == -1 ? -2 : hash ^ (length * 0x9e3779b1));
  // Up to 8 bytes little-endian in one load, the bytes past the value masked off (the buffers
  // have 16 spare bytes).
  const bits = load<u64>(buf + <usize>start) & (length == 8 ? <u64>-1 : (<u64>1 << (<u64>length << 3)) - 1);
  const low = <i32>bits;
  const high = <i32>(bits >> 32);
  const last = load<i32>(s + LAST);
  if (last < load<i32>(s + PACKED) && samePacked(s, last, low, high, length)) {
    bumpPacked(s, last);
    return NOT_NEW;
  }
  return addPacked(s, low, high, length);
}

/** addValue for a value that is not the last one matched. */
function addPacked(s: usize, low: i32, high: i32, length: i32): i32 {
  const n = load<i32>(s + PACKED);
  for (let k = 0; k < n; k++) {
    if (samePacked(s, k, low, high, length)) {
      bumpPacked(s, k);
      store<i32>(s + LAST, k);
      return NOT_NEW;
    }
  }
  if (load<i32>(s + DISTINCT) >= LIMIT) {
    addOther(s);
    return NOT_NEW;
  }
  const at = <usize>n << 2;
  store<i32>(s + LOW + at, low);
  store<i32>(s + HIGH + at, high);
  store<i32>(s + LENGTHS + at, length);
  store<f64>(s + COUNTS + (<usize>n << 3), 1);
  store<i32>(s + PACKED, n + 1);
  store<i32>(s + DISTINCT, load<i32>(s + DISTINCT) + 1);
  return n;
}

@inline function samePacked(s: usize, k: i32, low: i32, high: i32, length: i32): bool {
  const at = <usize>k << 2;
  return load<i32>(s + LOW + at) == low && load<i32>(s + HIGH + at) == high && load<i32>(s + LENGTHS + at) == length;
}

@inline function bumpPacked(s: usize, k: i32): void {
  const c = s + COUNTS + (<usize>k << 3);
  store<f64>(c, load<f64>(c) + 1);
}

function findLong(s: usize, key: i32): i32 {
  const n = load<i32>(s + LONG);
  for (let k = 0; k < n; k++) if (load<i32>(s + LONG_KEYS + (<usize>k << 2)) == key) return k;
  return -1;
}

function addLong(s: usize, key: i32): i32 {
  const found = findLong(s, key);
  if (found >= 0) {
    const c = s + LONG_COUNTS + (<usize>found << 3);
    store<f64>(c, load<f64>(c) + 1);
    return NOT_NEW;
  }
  if (load<i32>(s + DISTINCT) >= LIMIT) {
    addOther(s);
    return NOT_NEW;
  }
  const n = load<i32>(s + LONG);
  store<i32>(s + LONG_KEYS + (<usize>n << 2), key);
  store<f64>(s + LONG_COUNTS + (<usize>n << 3), 1);
  store<i32>(s + LONG, n + 1);
  store<i32>(s + DISTINCT, load<i32>(s + DISTINCT) + 1);
  return -2 - n;
}

function addOther(s: usize): void {
  const found = findLong(s, OTHER_KEY);
  if (found >= 0) {
    const c = s + LONG_COUNTS + (<usize>found << 3);
    store<f64>(c, load<f64>(c) + 1);
    return;
  }
  const n = load<i32>(s + LONG);
  store<i32>(s + LONG_KEYS + (<usize>n << 2), OTHER_KEY);
  store<f64>(s + LONG_COUNTS + (<usize>n << 3), 1);
  store<i32>(s + LONG, n + 1);
}
