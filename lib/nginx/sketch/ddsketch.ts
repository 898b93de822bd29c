/**
 * DDSketch-style quantiles with a relative-error guarantee: every quantile returned is within
 * 1% of the true value at that rank, for values from 0.1 ms to 100000 s (0 is kept exactly).
 * Bins are a fixed array of counts, so sketches merge by adding arrays.
 */
export const relativeAccuracy = 0.01;
const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
const logGamma = Math.log(gamma);
const minValue = 1e-4;
const maxValue = 1e5;
const offset = Math.ceil(Math.log(minValue) / logGamma);
export const binCount = Math.ceil(Math.log(maxValue) / logGamma) - offset + 1;

/** Value (seconds) a quantile falling in bin i reports. */
function binValue(i: number): number {
  return (2 * gamma ** (i + offset)) / (gamma + 1);
}

function binOfSeconds(seconds: number): number {
  if (seconds <= minValue) return 0;
  if (seconds >= maxValue) return binCount - 1;
  return Math.ceil(Math.log(seconds) / logGamma) - offset;
}

/** Bin of every whole millisecond below 65536 ms: nginx times have ms resolution, so no log(). */
export const millisBins = new Uint16Array(65536);
for (let ms = 1; ms < 65536; ms++) millisBins[ms] = binOfSeconds(ms / 1000);

/** The bin addMillis puts a positive whole number of milliseconds in. */
export function binOfMillis(ms: number): number {
  return ms < 65536 ? (millisBins[ms] as number) : binOfSeconds(ms / 1000);
}

/** Bins a sketch's span grows by: 512 bytes, so a sketch holds little more than it uses. */
const spanChunk = 64;

export class DDSketch {
  /**
   * Counts of bins first .. first + bins.length - 1: only the span values fell in, grown on
   * demand. A timeline keeps up to 1440 sketches and the path table 1024; at full width (8 KB
   * each) they made peak memory grow with the log's time range. One array type only: a
   * Float64Array/Uint32Array mix made every add polymorphic (slow).
   */
  bins: Float64Array;
  first = 0;
  zeros = 0;
  count = 0;
  sum = 0;
  max = 0;

  /** Empty, or holding `bins` (all binCount of them). */
  constructor(bins?: Float64Array) {
    this.bins = bins ?? new Float64Array(0);
    if (bins) {
      this.low = 0;
      this.high = binCount - 1;
    }
  }

  /** A sketch whose bins first .. first + bins.length - 1 hold `bins` (the rest are empty). */
  static ofSpan(first: number, bins: Float64Array): DDSketch {
    const sketch = new DDSketch();
    sketch.bins = bins;
    sketch.first = first;
    sketch.low = first;
    sketch.high = first + bins.length - 1;
    return sketch;
  }

  /**
   * An empty sketch with the span of `other`: a timeline's next bucket sees about the latencies
   * the last one saw, so it starts wide enough and seldom grows (a growth leaves garbage).
   */
  static spanning(other: DDSketch | undefined): DDSketch {
    const sketch = new DDSketch();
    if (other && other.bins.length > 0) {
      sketch.bins = new Float64Array(other.bins.length);
      sketch.first = other.first;
    }
    return sketch;
  }

  /** Adds a value in whole milliseconds (what nginx writes as "0.123"). */
  addMillis(ms: number): void {
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
    if (ms <= 0) {
      this.zeros++;
      return;
    }
    const bin = ms < 65536 ? (millisBins[ms] as number) : binOfSeconds(ms / 1000);
    // The span holds low..high: only a bin outside those can be outside it.
    if (bin < this.low) {
      if (bin < this.first) this.span(bin, bin);
      this.low = bin;
    }
    if (bin > this.high) {
      if (bin >= this.first + this.bins.length) this.span(bin, bin);
      this.high = bin;
    }
    const at = bin - this.first;
    this.bins[at] = (this.bins[at] as number) + 1;
  }

  /** Lowest and highest bin touched since the last reset (reset clears only those). */
  private low = binCount;
  private high = -1;

  /** Widens the span to hold bins from..to, in whole chunks; counts stay. */
  private span(from: number, to: number): void {
    const old = this.bins;
    const end = this.first + old.length;
    const start =
      Math.floor((old.length > 0 ? Math.min(from, this.first) : from) / spanChunk) * spanChunk;
    const stop = Math.min(
      binCount,
      Math.ceil((old.length > 0 ? Math.max(to + 1, end) : to + 1) / spanChunk) * spanChunk,
    );
    if (start === this.first && stop === end) return;
    const bins = new Float64Array(stop - start);
    if (old.length > 0) bins.set(old, this.first - start);
    this.bins = bins;
    this.first = start;
  }

  reset(): void {
    if (this.high >= this.low) this.bins.fill(0, this.low - this.first, this.high - this.first + 1);
    this.low = binCount;
    this.high = -1;
    this.zeros = 0;
    this.count = 0;
    this.sum = 0;
    this.max = 0;
  }

  merge(other: DDSketch): void {
    // Every nonzero bin of a sketch lies in its low..high.
    if (other.high >= other.low) {
      this.span(other.low, other.high);
      const mine = this.bins;
      const theirs = other.bins;
      const shift = other.first - this.first;
      for (let i = other.low - other.first; i <= other.high - other.first; i++)
        mine[i + shift] = (mine[i + shift] as number) + (theirs[i] as number);
      if (other.low < this.low) this.low = other.low;
      if (other.high > this.high) this.high = other.high;
    }
    this.zeros += other.zeros;
    this.count += other.count;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
  }

  /** Value (seconds) at rank floor(q * (count - 1)); NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.floor(q * (this.count - 1));
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    const bins = this.bins;
    for (let i = 0; i < bins.length; i++) {
      seen += bins[i] as number;
      if (seen > rank) return binValue(i + this.first);
    }
    return this.max / 1000;
  }
}

/**
 * quantile() over sparse bins [index, count, ...] in ascending index order: the same value as
 * the dense sketch holding those counts (the bins it skips are zeros), without allocating one.
 */
export function sparseQuantile(
  bins: readonly number[],
  count: number,
  zeros: number,
  max: number,
  q: number,
): number {
  if (count === 0) return Number.NaN;
  const rank = Math.floor(q * (count - 1));
  if (rank < zeros) return 0;
  let seen = zeros;
  for (let i = 0; i + 1 < bins.length; i += 2) {
    seen += bins[i + 1] as number;
    if (seen > rank) return binValue(bins[i] as number);
  }
  return max / 1000;
}
