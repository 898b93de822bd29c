/*
 * sketch/ddsketch.ts's DDSketch as this engine keeps it: the same bins, counts, sum and max,
 * with the bins in chunks of 64 taken from a pool as values fall in them (a timeline keeps up
 * to 11000 sketches and the path table one per counter: most bins of each stay empty).
 * JavaScript copies a sketch back into a DDSketch (scan-engine.ts: sketchAt).
 */

@external("env", "binOfMillis")
declare function binOfMillis(ms: f64): i32;

const CHUNK_BINS: i32 = 64;
const CHUNK_BYTES: usize = 64 * 8;
/** Chunks a sketch may hold: binCount (1037) bins in 64s; scan-engine.ts checks binCount fits. */
const CHUNKS: i32 = 17;
/** count, zeros, sum, max (f64), then CHUNKS chunk addresses (u32). */
export const SKETCH_BYTES: usize = 32 + 17 * 4 + 4;

let freeChunks: usize = 0;
let millisBins: usize = 0;

/** The bin of each whole millisecond below 65536 (JavaScript fills it from ddsketch.ts's). */
export function millisBinTable(): usize {
  if (millisBins == 0) millisBins = heap.alloc(65536 * 2);
  return millisBins;
}

function chunk(): usize {
  let at = freeChunks;
  if (at != 0) freeChunks = load<u32>(at);
  else at = heap.alloc(CHUNK_BYTES);
  memory.fill(at, 0, CHUNK_BYTES);
  return at;
}

export function newSketches(count: i32): usize {
  const bytes = <usize>count * SKETCH_BYTES;
  const at = heap.alloc(bytes);
  memory.fill(at, 0, bytes);
  return at;
}

/** DDSketch.addMillis. */
export function sketchAdd(s: usize, ms: f64): void {
  store<f64>(s, load<f64>(s) + 1);
  store<f64>(s, load<f64>(s, 16) + ms, 16);
  if (ms > load<f64>(s, 24)) store<f64>(s, ms, 24);
  if (ms <= 0) {
    store<f64>(s, load<f64>(s, 8) + 1, 8);
    return;
  }
  const bin = ms < 65536 ? <i32>load<u16>(millisBins + (<usize>ms << 1)) : binOfMillis(ms);
  const slot = s + 32 + (<usize>(bin / CHUNK_BINS) << 2);
  let c = <usize>load<u32>(slot);
  if (c == 0) {
    c = chunk();
    store<u32>(slot, <u32>c);
  }
  const at = c + (<usize>(bin % CHUNK_BINS) << 3);
  store<f64>(at, load<f64>(at) + 1);
}

/** DDSketch.reset: empty again, its chunks back to the pool. */
export function sketchReset(s: usize): void {
  for (let i = 0; i < CHUNKS; i++) {
    const slot = s + 32 + (<usize>i << 2);
    const c = <usize>load<u32>(slot);
    if (c != 0) {
      store<u32>(c, <u32>freeChunks);
      freeChunks = c;
      store<u32>(slot, 0);
    }
  }
  memory.fill(s, 0, 32);
}

/** DDSketch.merge (into += from). */
export function sketchMerge(into: usize, from: usize): void {
  for (let i = 0; i < CHUNKS; i++) {
    const theirs = <usize>load<u32>(from + 32 + (<usize>i << 2));
    if (theirs == 0) continue;
    const slot = into + 32 + (<usize>i << 2);
    let mine = <usize>load<u32>(slot);
    if (mine == 0) {
      mine = chunk();
      store<u32>(slot, <u32>mine);
    }
    for (let b: usize = 0; b < CHUNK_BYTES; b += 8) store<f64>(mine + b, load<f64>(mine + b) + load<f64>(theirs + b));
  }
  store<f64>(into, load<f64>(into) + load<f64>(from));
  store<f64>(into, load<f64>(into, 8) + load<f64>(from, 8), 8);
  store<f64>(into, load<f64>(into, 16) + load<f64>(from, 16), 16);
  if (load<f64>(from, 24) > load<f64>(into, 24)) store<f64>(into, load<f64>(from, 24), 24);
}
