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

function binOfSeconds(seconds: number): number {
  if (seconds <= minValue) return 0;
  if (seconds >= maxValue) return binCount - 1;
  return Math.ceil(Math.log(seconds) / logGamma) - offset;
}

/** Bin of every whole millisecond below 65536 ms: nginx times have ms resolution, so no log(). */
const millisBins = new Uint16Array(65536);
for (let ms = 1; ms < 65536; ms++) millisBins[ms] = binOfSeconds(ms / 1000);

export class DDSketch {
  /** One array type only: a Float64Array/Uint32Array mix made every add polymorphic (slow). */
  readonly bins: Float64Array;
  zeros = 0;
  count = 0;
  sum = 0;
  max = 0;

  constructor(bins?: Float64Array) {
    this.bins = bins ?? new Float64Array(binCount);
    if (bins) {
      this.low = 0;
      this.high = binCount - 1;
    }
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
    this.bins[bin] = (this.bins[bin] as number) + 1;
    if (bin < this.low) this.low = bin;
    if (bin > this.high) this.high = bin;
  }

  /** Lowest and highest bin touched since the last reset (reset clears only those). */
  private low = binCount;
  private high = -1;

  reset(): void {
    if (this.high >= this.low) this.bins.fill(0, this.low, this.high + 1);
    this.low = binCount;
    this.high = -1;
    this.zeros = 0;
    this.count = 0;
    this.sum = 0;
    this.max = 0;
  }

  merge(other: DDSketch): void {
    const mine = this.bins;
    const theirs = other.bins;
    for (let i = 0; i < binCount; i++) mine[i] = (mine[i] as number) + (theirs[i] as number);
    this.zeros += other.zeros;
    this.count += other.count;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
    this.low = 0;
    this.high = binCount - 1;
  }

  /** Value (seconds) at rank floor(q * (count - 1)); NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.floor(q * (this.count - 1));
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    const bins = this.bins;
    for (let i = 0; i < binCount; i++) {
      seen += bins[i] as number;
      if (seen > rank) return (2 * gamma ** (i + offset)) / (gamma + 1);
    }
    return this.max / 1000;
  }
}
