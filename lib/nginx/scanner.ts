/**
 * The hot path: finds each variable's byte range in one line by walking the literals of the
 * compiled log_format. No strings, no objects: positions go into two preallocated Int32Arrays.
 */
import type { LogFormat } from "./format.ts";

const quote = 0x22;
const backslash = 0x5c;
const space = 0x20;
const comma = 0x2c;
const colon = 0x3a;

/** Variables whose value is a list like "0.002, 0.010 : 0.004" (may contain spaces). */
export const listVariables = new Set([
  "upstream_response_time",
  "upstream_connect_time",
  "upstream_header_time",
  "upstream_status",
  "upstream_addr",
  "upstream_bytes_received",
  "upstream_bytes_sent",
  "upstream_response_length",
  "upstream_cache_status",
]);

const kindPlain = 0;
const kindQuotedJson = 1;
const kindList = 2;
const kindLast = 3;

export class LineScanner {
  readonly count: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  private readonly leading: Uint8Array;
  private readonly literals: Uint8Array[];
  private readonly kinds: Uint8Array;
  private readonly first: Uint8Array;

  constructor(format: LogFormat) {
    this.count = format.variables.length;
    this.starts = new Int32Array(this.count);
    this.ends = new Int32Array(this.count);
    this.leading = format.leading;
    this.literals = format.literals;
    this.kinds = new Uint8Array(this.count);
    this.first = new Uint8Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const literal = format.literals[i] as Uint8Array;
      const before = i === 0 ? format.leading : (format.literals[i - 1] as Uint8Array);
      const quoted = before.length > 0 && before[before.length - 1] === quote;
      this.first[i] = literal[0] ?? 0;
      this.kinds[i] =
        literal.length === 0
          ? kindLast
          : quoted && format.escape === "json"
            ? kindQuotedJson
            : listVariables.has(format.variables[i] as string) && literal[0] === space
              ? kindList
              : kindPlain;
    }
  }

  /** Fills starts/ends for buf[start, end) (end excludes the newline); false if the line does not fit. */
  scan(buf: Uint8Array, start: number, end: number): boolean {
    let pos = start;
    const leading = this.leading;
    for (let k = 0; k < leading.length; k++) {
      if (pos >= end || buf[pos] !== leading[k]) return false;
      pos++;
    }
    const count = this.count;
    const starts = this.starts;
    const ends = this.ends;
    for (let i = 0; i < count; i++) {
      starts[i] = pos;
      const kind = this.kinds[i];
      if (kind === kindLast) {
        ends[i] = end;
        return true;
      }
      const literal = this.literals[i] as Uint8Array;
      const first = this.first[i] as number;
      const length = literal.length;
      let p = pos;
      for (;;) {
        if (kind === kindQuotedJson) {
          while (p < end) {
            const b = buf[p] as number;
            if (b === backslash) p += 2;
            else if (b === first) break;
            else p++;
          }
        } else {
          while (p < end && buf[p] !== first) p++;
          if (kind === kindList && p < end && p > pos) {
            // "a, b" and "a : b" separators belong to the value.
            if (buf[p - 1] === comma) {
              p++;
              continue;
            }
            if (buf[p + 1] === colon && buf[p + 2] === space) {
              p += 3;
              continue;
            }
          }
        }
        if (p + length > end) return false;
        let k = 1;
        while (k < length && buf[p + k] === literal[k]) k++;
        if (k === length) break;
        p++;
      }
      ends[i] = p;
      pos = p + length;
    }
    return pos === end;
  }
}
