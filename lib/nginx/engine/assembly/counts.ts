/*
 * The per-line totals analyzer.ts's countLine keeps: lines, bad lines, requests, bytes, status
 * codes, the time range, and the latency sketches by status class (sketch.ts).
 */
import { newSketches, SKETCH_BYTES, sketchAdd } from "./sketch";

const TOTAL_REQUESTS: i32 = 0;
const TOTAL_BYTES: i32 = 1;
const TOTAL_FIRST_TIME: i32 = 2;
const TOTAL_LAST_TIME: i32 = 3;
const TOTAL_LINES: i32 = 4;
const TOTAL_BAD: i32 = 5;

/** Sketch index of latencies without a status class; 0-4 are 1xx-5xx. */
export const UNCLASSED: i32 = 5;
export const REQUEST_SKETCHES: i32 = 0;
export const UPSTREAM_SKETCHES: i32 = 6;

let totals: usize = 0;
let statusCounts: usize = 0;
let sketches: usize = 0;

/** Allocates the totals, status counts and 12 sketches; returns where: totals, status counts, sketches. */
export function countAreas(): usize {
  totals = heap.alloc(6 * 8);
  memory.fill(totals, 0, 6 * 8);
  store<f64>(totals + TOTAL_FIRST_TIME * 8, Infinity);
  store<f64>(totals + TOTAL_LAST_TIME * 8, -Infinity);
  statusCounts = heap.alloc(600 * 8);
  memory.fill(statusCounts, 0, 600 * 8);
  sketches = newSketches(12);
  const list = memory.data(3 * 4);
  store<u32>(list, <u32>totals);
  store<u32>(list, <u32>statusCounts, 4);
  store<u32>(list, <u32>sketches, 8);
  return list;
}

export function latency(index: i32, ms: f64): void {
  sketchAdd(sketches + <usize>index * SKETCH_BYTES, ms);
}

@inline function bump(field: i32, by: f64): void {
  const at = totals + <usize>field * 8;
  store<f64>(at, load<f64>(at) + by);
}

export function countLine(bad: bool): void {
  bump(TOTAL_LINES, 1);
  if (bad) bump(TOTAL_BAD, 1);
}

/** countLine's totals for a counted line. */
export function countTotals(status: i32, time: f64, size: f64, hasSize: bool): void {
  bump(TOTAL_REQUESTS, 1);
  if (hasSize) bump(TOTAL_BYTES, size < 0 ? 0 : size);
  const at = statusCounts + (<usize>status << 3);
  store<f64>(at, load<f64>(at) + 1);
  if (!isNaN(time)) {
    if (time < load<f64>(totals + TOTAL_FIRST_TIME * 8)) store<f64>(totals + TOTAL_FIRST_TIME * 8, time);
    if (time > load<f64>(totals + TOTAL_LAST_TIME * 8)) store<f64>(totals + TOTAL_LAST_TIME * 8, time);
  }
}
