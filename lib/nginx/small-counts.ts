/**
 * Exact counts of a few short values per line (methods, protocols) with no string and no Map
 * lookup on the hot path: a value of up to 8 bytes is packed into two int32 words and found by
 * a linear scan of the (few) values seen, longest-lived first. Past `limit` distinct values the
 * rest count as "(other)", so memory stays bounded on garbage input.
 */
import { decodeValue } from "./decode.ts";
import type { SmallCountsState } from "./engine/engine-state.ts";
import type { Escape } from "./format.ts";
import { hashRange } from "./sketch/hash.ts";

/** Values longer than this go through a hash Map (rare: methods and protocols are short). */
const packedBytes = 8;

export class SmallCounts {
  private readonly limit: number;
  private readonly escape: Escape;
  private readonly low: Int32Array;
  private readonly high: Int32Array;
  private readonly lengths: Int32Array;
  private readonly counts: Float64Array;
  private readonly names: string[] = [];
  private packed = 0;
  /** Long values by hash (and the "(other)" bucket under -1). */
  private readonly long = new Map<number, { name: string; count: number }>();
  private distinct = 0;

  constructor(limit: number, escaping: Escape) {
    this.limit = limit;
    this.escape = escaping;
    this.low = new Int32Array(limit);
    this.high = new Int32Array(limit);
    this.lengths = new Int32Array(limit);
    this.counts = new Float64Array(limit);
  }

  add(view: DataView, buf: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length > packedBytes) {
      this.addLong(view, buf, start, end);
      return;
    }
    // Little-endian words as the byte loop would pack them: "GET" is 3 bytes, "HTTP/1.1" two reads.
    let low = 0;
    let high = 0;
    if (length >= 4) {
      low = view.getInt32(start, true);
      if (length === 8) high = view.getInt32(start + 4, true);
      else for (let i = 4; i < length; i++) high |= (buf[start + i] as number) << (8 * (i - 4));
    } else for (let i = 0; i < length; i++) low |= (buf[start + i] as number) << (8 * i);
    const n = this.packed;
    for (let k = 0; k < n; k++)
      if (this.low[k] === low && this.high[k] === high && this.lengths[k] === length) {
        this.counts[k] = (this.counts[k] as number) + 1;
        return;
      }
    if (this.distinct >= this.limit) {
      this.addOther();
      return;
    }
    this.low[n] = low;
    this.high[n] = high;
    this.lengths[n] = length;
    this.counts[n] = 1;
    this.names.push(SmallCounts.nameOf(buf.subarray(start, end), this.escape, true));
    this.packed++;
    this.distinct++;
  }

  private addLong(view: DataView, buf: Uint8Array, start: number, end: number): void {
    const hash = (hashRange(view, buf, start, end) ^ Math.imul(end - start, 0x9e3779b1)) | 0;
    const key = hash === -1 ? -2 : hash; // -1 is "(other)"
    const counter = this.long.get(key);
    if (counter) {
      counter.count++;
      return;
    }
    if (this.distinct >= this.limit) {
      this.addOther();
      return;
    }
    this.long.set(key, {
      name: SmallCounts.nameOf(buf.subarray(start, end), this.escape, false),
      count: 1,
    });
    this.distinct++;
  }

  private addOther(): void {
    const other = this.long.get(-1);
    if (other) other.count++;
    else this.long.set(-1, { name: "(other)", count: 1 });
  }

  /** The name a value is shown by: decoded; an empty packed value is "-". */
  static nameOf(bytes: Uint8Array, escaping: Escape, packed: boolean): string {
    return packed && bytes.length === 0 ? "-" : decodeValue(bytes, escaping);
  }

  /**
   * Takes over the state of a copy kept elsewhere (the WebAssembly engine's, whose limit is 32:
   * scan-engine.ts creates it only for that), with the names decoded as its values came.
   */
  restore(state: SmallCountsState, names: { packed: string[]; long: string[] }): void {
    if (this.limit !== 32) throw new Error("SmallCounts state of another limit");
    this.low.set(state.low);
    this.high.set(state.high);
    this.lengths.set(state.lengths);
    this.counts.set(state.counts);
    this.packed = state.packed;
    this.distinct = state.distinct;
    this.names.length = 0;
    for (let k = 0; k < state.packed; k++) this.names.push(names.packed[k] as string);
    this.long.clear();
    for (const { key, count, index } of state.long)
      this.long.set(key, { name: key === -1 ? "(other)" : (names.long[index] as string), count });
  }

  /** Counts by decoded name (values that decode alike are summed). */
  toRecord(): Record<string, number> {
    const result: Record<string, number> = {};
    for (let k = 0; k < this.packed; k++) {
      const name = this.names[k] as string;
      result[name] = (result[name] ?? 0) + (this.counts[k] as number);
    }
    for (const { name, count } of this.long.values()) result[name] = (result[name] ?? 0) + count;
    return result;
  }
}
