/** Byte-range parsers for the values nginx writes: numbers, times, lists. No strings. */

const zero = 0x30;
const dash = 0x2d;
const dot = 0x2e;

/** Three-digit status, or -1. */
export function parseStatus(buf: Uint8Array, start: number, end: number): number {
  if (end - start !== 3) return -1;
  const a = (buf[start] as number) - zero;
  const b = (buf[start + 1] as number) - zero;
  const c = (buf[start + 2] as number) - zero;
  if (a < 1 || a > 5 || b < 0 || b > 9 || c < 0 || c > 9) return -1;
  return a * 100 + b * 10 + c;
}

/** Non-negative integer; "-" is 0; -1 when not a number. */
export function parseCount(buf: Uint8Array, start: number, end: number): number {
  if (end - start === 1 && buf[start] === dash) return 0;
  if (end <= start) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = (buf[i] as number) - zero;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Seconds with decimals ("0.123") as whole milliseconds; lists ("0.002, 0.010 : 0.004") are
 * summed (time spent on all upstream attempts). -1 for "-" or anything unparsable.
 */
export function parseMillis(buf: Uint8Array, start: number, end: number): number {
  // Fast path for what nginx writes almost always: one value "D.DDD".
  if (end - start === 5 && buf[start + 1] === dot) {
    const a = (buf[start] as number) - zero;
    const b = (buf[start + 2] as number) - zero;
    const c = (buf[start + 3] as number) - zero;
    const d = (buf[start + 4] as number) - zero;
    if (a >>> 0 <= 9 && b >>> 0 <= 9 && c >>> 0 <= 9 && d >>> 0 <= 9)
      return a * 1000 + b * 100 + c * 10 + d;
  }
  let total = 0;
  let value = 0;
  let decimals = -1;
  let any = false;
  let i = start;
  for (; i < end; i++) {
    const b = buf[i] as number;
    const d = b - zero;
    if (d >= 0 && d <= 9) {
      if (decimals < 0) value = value * 10 + d;
      else if (decimals < 3) {
        value = value * 10 + d;
        decimals++;
      }
      any = true;
    } else if (b === dot && decimals < 0) decimals = 0;
    else if (b === 0x2c || b === 0x20 || b === 0x3a) {
      if (any) total += value * scale(decimals);
      value = 0;
      decimals = -1;
      any = false;
    } else if (b === dash) {
      // "-" inside a list (an attempt without response): contributes nothing.
    } else return -1;
  }
  if (any) total += value * scale(decimals);
  else if (total === 0 && !listHadNumber(buf, start, end)) return -1;
  return Math.round(total);
}

function scale(decimals: number): number {
  return decimals <= 0 ? 1000 : decimals === 1 ? 100 : decimals === 2 ? 10 : 1;
}

function listHadNumber(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const d = (buf[i] as number) - zero;
    if (d >= 0 && d <= 9) return true;
  }
  return false;
}

const monthIndex: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

function digits(buf: Uint8Array, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = (buf[i] as number) - zero;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** Parses times, caching the day so a log in time order costs a few byte compares per line. */
export class TimeParser {
  private readonly cachedDay = new Uint8Array(12);
  private cachedLength = 0;
  private cachedEpoch = 0;
  /** The last time text parsed and its value: busy logs repeat the same second many times. */
  private readonly lastText = new Uint8Array(32);
  private lastLength = 0;
  private lastValue = 0;

  /** The last text as little-endian words (lastText's bytes), compared 4 bytes at a time. */
  private readonly lastWords = new Int32Array(8);
  /** A DataView on the buffer being parsed, rebuilt when the caller's buffer changes. */
  private viewOf: Uint8Array = new Uint8Array(0);
  private view = new DataView(new ArrayBuffer(0));

  /**
   * True when buf[start, start + length) is the last text parsed: compared from the end
   * (seconds change first), a word at a time where 4 bytes remain.
   */
  private sameAsLast(buf: Uint8Array, start: number, length: number): boolean {
    if (this.lastLength !== length) return false;
    const last = this.lastText;
    const tail = length & ~3;
    for (let i = length - 1; i >= tail; i--) if (buf[start + i] !== last[i]) return false;
    if (this.viewOf !== buf) {
      this.viewOf = buf;
      this.view = new DataView(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength);
    }
    const view = this.view;
    const words = this.lastWords;
    for (let w = (tail >> 2) - 1; w >= 0; w--)
      if (view.getInt32(start + 4 * w, true) !== words[w]) return false;
    return true;
  }

  private rememberLast(buf: Uint8Array, start: number, length: number, value: number): number {
    const last = this.lastText;
    for (let i = 0; i < length; i++) last[i] = buf[start + i] as number;
    const words = this.lastWords;
    for (let w = 0; w < length >> 2; w++)
      words[w] =
        (last[4 * w] as number) |
        ((last[4 * w + 1] as number) << 8) |
        ((last[4 * w + 2] as number) << 16) |
        ((last[4 * w + 3] as number) << 24);
    this.lastLength = length;
    this.lastValue = value;
    return value;
  }

  /** "10/Oct/2000:13:55:36 -0700" -> Unix seconds, or NaN. */
  local(buf: Uint8Array, start: number, end: number): number {
    if (end - start !== 26) return Number.NaN;
    if (this.sameAsLast(buf, start, 26)) return this.lastValue;
    const hour = digits(buf, start + 12, 2);
    const minute = digits(buf, start + 15, 2);
    const second = digits(buf, start + 18, 2);
    if (hour < 0 || minute < 0 || second < 0) return Number.NaN;
    // The day and zone ("10/Oct/2000:" and "-0700") decide the base.
    let base: number;
    if (this.sameDay(buf, start, 11) && this.sameZone(buf, start + 21)) base = this.cachedEpoch;
    else {
      const day = digits(buf, start, 2);
      const month =
        monthIndex[
          String.fromCharCode(
            buf[start + 3] as number,
            buf[start + 4] as number,
            buf[start + 5] as number,
          )
        ];
      const year = digits(buf, start + 7, 4);
      const sign = buf[start + 21] === dash ? -1 : 1;
      const zoneHours = digits(buf, start + 22, 2);
      const zoneMinutes = digits(buf, start + 24, 2);
      if (day < 0 || month === undefined || year < 0 || zoneHours < 0 || zoneMinutes < 0)
        return Number.NaN;
      base = Date.UTC(year, month, day) / 1000 - sign * (zoneHours * 3600 + zoneMinutes * 60);
      this.remember(buf, start, 11, start + 21, base);
    }
    return this.rememberLast(buf, start, 26, base + hour * 3600 + minute * 60 + second);
  }

  /** "2000-10-10T13:55:36-07:00" (or "+00:00") -> Unix seconds, or NaN. */
  iso(buf: Uint8Array, start: number, end: number): number {
    if (end - start !== 25) return Number.NaN;
    if (this.sameAsLast(buf, start, 25)) return this.lastValue;
    const hour = digits(buf, start + 11, 2);
    const minute = digits(buf, start + 14, 2);
    const second = digits(buf, start + 17, 2);
    if (hour < 0 || minute < 0 || second < 0) return Number.NaN;
    let base: number;
    if (this.sameDay(buf, start, 10) && this.sameZone(buf, start + 19)) base = this.cachedEpoch;
    else {
      const year = digits(buf, start, 4);
      const month = digits(buf, start + 5, 2);
      const day = digits(buf, start + 8, 2);
      const sign = buf[start + 19] === dash ? -1 : 1;
      const zoneHours = digits(buf, start + 20, 2);
      const zoneMinutes = digits(buf, start + 23, 2);
      if (year < 0 || month < 1 || day < 0 || zoneHours < 0 || zoneMinutes < 0) return Number.NaN;
      base = Date.UTC(year, month - 1, day) / 1000 - sign * (zoneHours * 3600 + zoneMinutes * 60);
      this.remember(buf, start, 10, start + 19, base);
    }
    return this.rememberLast(buf, start, 25, base + hour * 3600 + minute * 60 + second);
  }

  /** "1700000000.123" -> Unix seconds (whole), or NaN. */
  msec(buf: Uint8Array, start: number, end: number): number {
    let value = 0;
    let i = start;
    for (; i < end && buf[i] !== dot; i++) {
      const d = (buf[i] as number) - zero;
      if (d < 0 || d > 9) return Number.NaN;
      value = value * 10 + d;
    }
    return i === start ? Number.NaN : value;
  }

  private zone = new Uint8Array(6);

  private sameDay(buf: Uint8Array, start: number, length: number): boolean {
    if (this.cachedLength !== length) return false;
    const day = this.cachedDay;
    for (let i = 0; i < length; i++) if (buf[start + i] !== day[i]) return false;
    return true;
  }

  /** The zone's bytes as remembered, exactly: a ':' where a digit was is a different zone (NaN). */
  private sameZone(buf: Uint8Array, start: number): boolean {
    const zone = this.zone;
    for (let i = 0; i < 6; i++) if ((buf[start + i] ?? 0) !== zone[i]) return false;
    return true;
  }

  private remember(
    buf: Uint8Array,
    dayStart: number,
    length: number,
    zoneStart: number,
    epoch: number,
  ): void {
    this.cachedDay.set(buf.subarray(dayStart, dayStart + length));
    this.cachedLength = length;
    for (let i = 0; i < 6; i++) this.zone[i] = buf[zoneStart + i] ?? 0;
    this.cachedEpoch = epoch;
  }
}
