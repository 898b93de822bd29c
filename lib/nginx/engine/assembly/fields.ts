/* fields.ts's parsers (status, counts, times in seconds, log times), bit for bit. */
import { byteAt } from "./format";

export function parseStatus(buf: usize, start: i32, end: i32): i32 {
  if (end - start != 3) return -1;
  const a = byteAt(buf, start) - 0x30;
  const b = byteAt(buf, start + 1) - 0x30;
  const c = byteAt(buf, start + 2) - 0x30;
  if (<u32>(a - 1) > 4 || <u32>b > 9 || <u32>c > 9) return -1;
  return a * 100 + b * 10 + c;
}

export function parseCount(buf: usize, start: i32, end: i32): f64 {
  if (end - start == 1 && byteAt(buf, start) == 0x2d) return 0;
  if (end <= start) return -1;
  // Up to 9 digits in an int (exact, as the doubles are), the rest in doubles.
  const whole = end - start < 9 ? end : start + 9;
  let small = 0;
  let i = start;
  for (; i < whole; i++) {
    const d = byteAt(buf, i) - 0x30;
    if (<u32>d > 9) return -1;
    small = small * 10 + d;
  }
  let value = <f64>small;
  for (; i < end; i++) {
    const d = byteAt(buf, i) - 0x30;
    if (<u32>d > 9) return -1;
    value = value * 10 + <f64>d;
  }
  return value;
}

@inline function scale(decimals: i32): f64 {
  return decimals <= 0 ? 1000 : decimals == 1 ? 100 : decimals == 2 ? 10 : 1;
}

/** Seconds as written by nginx ("0.003", a list for upstream times) -> whole milliseconds, or -1. */
@inline export function parseMillis(buf: usize, start: i32, end: i32): f64 {
  // "D.DDD", the common case, inline; anything else is a call.
  if (end - start == 5 && byteAt(buf, start + 1) == 0x2e) {
    const a = byteAt(buf, start) - 0x30;
    const b = byteAt(buf, start + 2) - 0x30;
    const c = byteAt(buf, start + 3) - 0x30;
    const d = byteAt(buf, start + 4) - 0x30;
    if (<u32>a <= 9 && <u32>b <= 9 && <u32>c <= 9 && <u32>d <= 9)
      return <f64>(a * 1000 + b * 100 + c * 10 + d);
  }
  return parseMillisList(buf, start, end);
}

function parseMillisList(buf: usize, start: i32, end: i32): f64 {
  let total: f64 = 0;
  let value: f64 = 0;
  let decimals = -1;
  let any = false;
  let sawDigit = false;
  for (let i = start; i < end; i++) {
    const b = byteAt(buf, i);
    const d = b - 0x30;
    if (d >= 0 && d <= 9) {
      if (decimals < 0) value = value * 10 + <f64>d;
      else if (decimals < 3) {
        value = value * 10 + <f64>d;
        decimals++;
      }
      any = true;
      sawDigit = true;
    } else if (b == 0x2e && decimals < 0) decimals = 0;
    else if (b == 0x2c || b == 0x20 || b == 0x3a) {
      if (any) total += value * scale(decimals);
      value = 0;
      decimals = -1;
      any = false;
    } else if (b == 0x2d) {
      // "-" inside a list: contributes nothing.
    } else return -1;
  }
  if (any) total += value * scale(decimals);
  else if (total == 0 && !sawDigit) return -1;
  return Math.round(total);
}

function digits(buf: usize, start: i32, count: i32): i32 {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = byteAt(buf, i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** Date.UTC(year, month, day) / 1000 for the ranges nginx times can hold (month 0-based, may overflow). */
function utcSeconds(year: i32, month: i32, day: i32): f64 {
  // Date.UTC maps years 0-99 to 1900-1999.
  let y = year >= 0 && year <= 99 ? year + 1900 : year;
  y += month / 12;
  let m = month % 12;
  if (m < 0) {
    m += 12;
    y--;
  }
  // Days from civil (Howard Hinnant's algorithm) for the 1st of the month, then the day offset.
  const yy = m < 2 ? y - 1 : y;
  const era = (yy >= 0 ? yy : yy - 399) / 400;
  const yoe = yy - era * 400;
  const mp = (m + 10) % 12; // March = 0
  const doy = (153 * mp + 2) / 5;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const days = <f64>era * 146097 + <f64>doe - 719468 + <f64>(day - 1);
  return days * 86400;
}

function monthOf(buf: usize, at: i32): i32 {
  const a = byteAt(buf, at);
  const b = byteAt(buf, at + 1);
  const c = byteAt(buf, at + 2);
  const key = (a << 16) | (b << 8) | c;
  if (key == 0x4a616e) return 0; // Jan
  if (key == 0x466562) return 1;
  if (key == 0x4d6172) return 2;
  if (key == 0x417072) return 3;
  if (key == 0x4d6179) return 4;
  if (key == 0x4a756e) return 5;
  if (key == 0x4a756c) return 6;
  if (key == 0x417567) return 7;
  if (key == 0x536570) return 8;
  if (key == 0x4f6374) return 9;
  if (key == 0x4e6f76) return 10;
  if (key == 0x446563) return 11;
  return -1;
}

/** "10/Oct/2000:13:55:36 -0700" -> Unix seconds, or NaN (fields.ts TimeParser.local). */
export function timeLocal(buf: usize, start: i32, end: i32): f64 {
  if (end - start != 26) return NaN;
  const hour = digits(buf, start + 12, 2);
  const minute = digits(buf, start + 15, 2);
  const second = digits(buf, start + 18, 2);
  if (hour < 0 || minute < 0 || second < 0) return NaN;
  const day = digits(buf, start, 2);
  const month = monthOf(buf, start + 3);
  const year = digits(buf, start + 7, 4);
  const sign: i32 = byteAt(buf, start + 21) == 0x2d ? -1 : 1;
  const zoneHours = digits(buf, start + 22, 2);
  const zoneMinutes = digits(buf, start + 24, 2);
  if (day < 0 || month < 0 || year < 0 || zoneHours < 0 || zoneMinutes < 0) return NaN;
  const base = utcSeconds(year, month, day) - <f64>(sign * (zoneHours * 3600 + zoneMinutes * 60));
  return base + <f64>(hour * 3600 + minute * 60 + second);
}

/** "2000-10-10T13:55:36-07:00" -> Unix seconds, or NaN (TimeParser.iso). */
export function timeIso(buf: usize, start: i32, end: i32): f64 {
  if (end - start != 25) return NaN;
  const hour = digits(buf, start + 11, 2);
  const minute = digits(buf, start + 14, 2);
  const second = digits(buf, start + 17, 2);
  if (hour < 0 || minute < 0 || second < 0) return NaN;
  const year = digits(buf, start, 4);
  const month = digits(buf, start + 5, 2);
  const day = digits(buf, start + 8, 2);
  const sign: i32 = byteAt(buf, start + 19) == 0x2d ? -1 : 1;
  const zoneHours = digits(buf, start + 20, 2);
  const zoneMinutes = digits(buf, start + 23, 2);
  if (year < 0 || month < 1 || day < 0 || zoneHours < 0 || zoneMinutes < 0) return NaN;
  const base = utcSeconds(year, month - 1, day) - <f64>(sign * (zoneHours * 3600 + zoneMinutes * 60));
  return base + <f64>(hour * 3600 + minute * 60 + second);
}

/** "1700000000.123" -> whole Unix seconds, or NaN (TimeParser.msec). */
export function timeMsec(buf: usize, start: i32, end: i32): f64 {
  let value: f64 = 0;
  let i = start;
  for (; i < end && byteAt(buf, i) != 0x2e; i++) {
    const d = byteAt(buf, i) - 0x30;
    if (d < 0 || d > 9) return NaN;
    value = value * 10 + <f64>d;
  }
  return i == start ? NaN : value;
}

/**
 * Scans lines of buffer[start, end) (a last line without "\n" counts) into records until the
 * records are full; stopped() tells where it stopped, passed() how many lines it went past.
 * Returns the number of records.
 */