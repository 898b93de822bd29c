/*
 * The per-line totals analyzer.ts's countLine keeps (requests, bytes, status codes, the time
 * range) and the latency sketches by status class, as sketch/ddsketch.ts's addMillis fills them:
 * dense here (12 sketches), sparse once JavaScript copies them back; the same bins either way.
 */

@external("env", "binOfMillis")
declare function binOfMillis(ms: f64): i32;

const TOTAL_REQUESTS: i32 = 0;
const TOTAL_BYTES: i32 = 1;
const TOTAL_FIRST_TIME: i32 = 2;
const TOTAL_LAST_TIME: i32 = 3;

/** Sketch header: count, zeros, sum, max (f64), then binCount f64 bins. */
const SKETCH_HEADER: i32 = 4;
/** Sketch index of latencies without a status class; 0-4 are 1xx-5xx. */
export const UNCLASSED: i32 = 5;
export const REQUEST_SKETCHES: i32 = 0;
export const UPSTREAM_SKETCHES: i32 = 6;

let totals: usize = 0;
let statusCounts: usize = 0;
let sketches: usize = 0;
let sketchBytes: usize = 0;
let millisBins: usize = 0;

function zeroed(bytes: usize): usize {
  const at = heap.alloc(bytes);
  memory.fill(at, 0, bytes);
  return at;
}

/**
 * Allocates the totals, status counts and 12 sketches of `bins` bins, and the table of the bin
 * of each whole millisecond below 65536 (JavaScript fills it from ddsketch.ts's). Returns where
 * they are: totals, status counts, sketches, millisecond table.
 */
export function countAreas(bins: i32): usize {
  totals = zeroed(4 * 8);
  store<f64>(totals + TOTAL_FIRST_TIME * 8, Infinity);
  store<f64>(totals + TOTAL_LAST_TIME * 8, -Infinity);
  statusCounts = zeroed(600 * 8);
  sketchBytes = <usize>(SKETCH_HEADER + bins) * 8;
  sketches = zeroed(12 * sketchBytes);
  millisBins = zeroed(65536 * 2);
  const list = memory.data(4 * 4);
  store<u32>(list, <u32>totals);
  store<u32>(list, <u32>statusCounts, 4);
  store<u32>(list, <u32>sketches, 8);
  store<u32>(list, <u32>millisBins, 12);
  return list;
}

/** DDSketch.addMillis on sketch `index`. */
export function addMillis(index: i32, ms: f64): void {
  const s = sketches + <usize>index * sketchBytes;
  store<f64>(s, load<f64>(s) + 1);
  store<f64>(s, load<f64>(s, 16) + ms, 16);
  if (ms > load<f64>(s, 24)) store<f64>(s, ms, 24);
  if (ms <= 0) {
    store<f64>(s, load<f64>(s, 8) + 1, 8);
    return;
  }
  const bin = ms < 65536 ? <i32>load<u16>(millisBins + (<usize>ms << 1)) : binOfMillis(ms);
  const at = s + <usize>(SKETCH_HEADER + bin) * 8;
  store<f64>(at, load<f64>(at) + 1);
}

/** countLine's totals for a counted line (size < 0: the format has no size or it was "-"/garbage). */
export function countTotals(status: i32, time: f64, size: f64, hasSize: bool): void {
  store<f64>(totals + TOTAL_REQUESTS * 8, load<f64>(totals + TOTAL_REQUESTS * 8) + 1);
  if (hasSize) store<f64>(totals + TOTAL_BYTES * 8, load<f64>(totals + TOTAL_BYTES * 8) + (size < 0 ? 0 : size));
  const at = statusCounts + (<usize>status << 3);
  store<f64>(at, load<f64>(at) + 1);
  if (!isNaN(time)) {
    if (time < load<f64>(totals + TOTAL_FIRST_TIME * 8)) store<f64>(totals + TOTAL_FIRST_TIME * 8, time);
    if (time > load<f64>(totals + TOTAL_LAST_TIME * 8)) store<f64>(totals + TOTAL_LAST_TIME * 8, time);
  }
}
