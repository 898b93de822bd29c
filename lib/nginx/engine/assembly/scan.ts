/*
 * nginxlog's line scanner as WebAssembly (AssemblyScript, compiled by lib/nginx/engine/build.ts):
 * the same scan, field parsers and hashes as scanner.ts, fields.ts, analyzer.ts's splitRequest
 * and sketch/hash.ts, bit for bit, so a run gives the same summary whichever way its lines go.
 * JavaScript writes the compiled log_format here once (configure), reads lines into `buffer`
 * and calls scan(); each non-empty line is offered to the top-K tables and distinct counters
 * here (space-saving.ts, hyperloglog.ts, copied back for the summary) and becomes one record of
 * `recordInts` int32s and `recordFloats` float64s that the Analyzer counts the rest of. Wasm because JSC compiles it to code that
 * needs no bounds or type checks per byte, with 64-bit loads and SIMD byte search.
 */

// Record layout: int32 fields, then float64 fields (engine.ts reads the same offsets).
const I_KIND: i32 = 0; // 0 counted, 1 format, 2 status, 3 time (the reason a line is bad)
const I_LINE_START: i32 = 1;
const I_LINE_END: i32 = 2;
const I_LINE: i32 = 3; // line number relative to scan()'s first
const I_STATUS: i32 = 4;
const I_METHOD_START: i32 = 5;
const I_METHOD_END: i32 = 6;
const I_PROTOCOL_START: i32 = 7;
const I_PROTOCOL_END: i32 = 8;
const I_URI_START: i32 = 9;
const I_PATH_END: i32 = 10;
const I_URI_END: i32 = 11;
const I_PATH_HASH: i32 = 12;
const I_URI_HASH: i32 = 13;
const I_PATH_SLOT: i32 = 14; // the path table's slot for the path, -1 if it only went to the filter
const I_PATH_REPLACED: i32 = 15; // 1 when that slot changed hands on this line
const RECORD_INTS: i32 = 16;
const F_TIME: i32 = 0;
const F_SIZE: i32 = 1;
const F_REQUEST_MILLIS: i32 = 2;
const F_UPSTREAM_MILLIS: i32 = 3;
const RECORD_FLOATS: i32 = 4;

const MAX_VARIABLES: i32 = 64;
const MAX_RECORDS: i32 = 1024;

const KIND_PLAIN: u8 = 0;
const KIND_QUOTED_JSON: u8 = 1;
const KIND_LIST: u8 = 2;
const KIND_LAST: u8 = 3;
const KIND_QUOTED: u8 = 4;

// The compiled format (configure): leading literal, then per variable its kind and literal.
let variableCount: i32 = 0;
const leading = memory.data(256);
let leadingLength: i32 = 0;
const kinds = memory.data(MAX_VARIABLES);
const literalStart = memory.data(MAX_VARIABLES * 4);
const literalLength = memory.data(MAX_VARIABLES * 4);
const literals = memory.data(4096);
const starts = memory.data(MAX_VARIABLES * 4);
const ends = memory.data(MAX_VARIABLES * 4);

import { addMillis, countTotals, REQUEST_SKETCHES, UNCLASSED, UPSTREAM_SKETCHES } from "./counts";

export { countAreas } from "./counts";
import { addHash, newRegisters } from "./hyperloglog";
import { newTable, offer, Table } from "./space-saving";

// Top-K tables and distinct counters (tables()); null until created.
let ipTable: Table | null = null;
let pathTable: Table | null = null;
let pathQueryTable: Table | null = null;
let statusPathTable: Table | null = null;
let agentTable: Table | null = null;
let refererTable: Table | null = null;
let ipRegisters: usize = 0;
let pathRegisters: usize = 0;
let trackIps = false;
let trackPaths = false;
let trackAgents = false;
let trackReferers = false;
let trackLatency = false;

// Which variable holds each value (-1: the format lacks it), as analyzer.ts picks them.
let iAddr: i32 = -1;
let iTime: i32 = -1;
let timeKind: i32 = 0; // 0 none, 1 local, 2 iso, 3 msec
let iRequest: i32 = -1;
let iMethod: i32 = -1;
let iUri: i32 = -1;
let iProtocol: i32 = -1;
let iStatus: i32 = -1;
let iBytes: i32 = -1;
let iReferer: i32 = -1;
let iAgent: i32 = -1;
let iRequestTime: i32 = -1;
let iUpstreamTime: i32 = -1;

let recordIntArea: usize = 0;
let recordFloatArea: usize = 0;

let bufferArea: usize = 0;
/** Bytes of the buffer JavaScript's view covers: scanner.ts reads nothing past it. */
let bufferLimit: i32 = 0;
/** Where the last scan() stopped (the start of the first line it did not take). */
let stoppedAt: i32 = 0;
/** Lines scan() passed over, empty ones included (line numbers advance for those too). */
let linesPassed: i32 = 0;

export function records(): usize {
  return recordIntArea;
}
export function recordFloats(): usize {
  return recordFloatArea;
}
export function recordInts(): i32 {
  return RECORD_INTS;
}
export function recordFloatCount(): i32 {
  return RECORD_FLOATS;
}
export function maxRecords(): i32 {
  return MAX_RECORDS;
}
export function stopped(): i32 {
  return stoppedAt;
}
export function passed(): i32 {
  return linesPassed;
}

/**
 * The records and the read buffer (offsets in scan() are relative to it; 16 spare bytes for
 * wide loads). Called after tables(): the buffer is the last allocation, so JavaScript can grow
 * the memory behind it for a long line.
 */
export function buffer(capacity: i32): usize {
  recordIntArea = heap.alloc(<usize>(MAX_RECORDS * RECORD_INTS * 4));
  recordFloatArea = heap.alloc(<usize>(MAX_RECORDS * RECORD_FLOATS * 8));
  bufferArea = heap.alloc(<usize>capacity + 16);
  return bufferArea;
}

/** The length of the buffer JavaScript reads into now (it grows for long lines). */
export function bufferLength(length: i32): void {
  bufferLimit = length;
}

/** Format area for JavaScript to fill before configure(): leading, kinds, literal starts/lengths, literal bytes. */
export function formatAreas(): usize {
  const table = memory.data(5 * 4);
  store<u32>(table, <u32>leading);
  store<u32>(table, <u32>kinds, 4);
  store<u32>(table, <u32>literalStart, 8);
  store<u32>(table, <u32>literalLength, 12);
  store<u32>(table, <u32>literals, 16);
  return table;
}

/**
 * Creates the top-K tables (capacity and key bytes of each, as analyzer.ts sizes them) and the
 * distinct counters, for the table groups counted; returns where their descriptors are
 * (Table addresses: ip, path, pathQuery, statusPath, userAgent, referer; then the two register arrays).
 */
export function tables(capacity: i32, tracked: i32): usize {
  trackIps = (tracked & 1) != 0;
  trackPaths = (tracked & 2) != 0;
  trackAgents = (tracked & 4) != 0;
  trackReferers = (tracked & 8) != 0;
  trackLatency = (tracked & 16) != 0;
  const small = capacity < 1024 ? capacity : 1024;
  const statusPaths = capacity < 2048 ? capacity : 2048;
  ipTable = newTable(capacity, 64, 16);
  pathTable = newTable(capacity, 256, 16);
  pathQueryTable = newTable(capacity, 256, 16);
  statusPathTable = newTable(statusPaths, 260, 16);
  agentTable = newTable(small, 256, 16);
  refererTable = newTable(small, 256, 16);
  ipRegisters = newRegisters();
  pathRegisters = newRegisters();
  const list = memory.data(8 * 4);
  store<u32>(list, <u32>changetype<usize>(ipTable));
  store<u32>(list, <u32>changetype<usize>(pathTable), 4);
  store<u32>(list, <u32>changetype<usize>(pathQueryTable), 8);
  store<u32>(list, <u32>changetype<usize>(statusPathTable), 12);
  store<u32>(list, <u32>changetype<usize>(agentTable), 16);
  store<u32>(list, <u32>changetype<usize>(refererTable), 20);
  store<u32>(list, <u32>ipRegisters, 24);
  store<u32>(list, <u32>pathRegisters, 28);
  return list;
}

export function configure(
  variables: i32,
  leadingBytes: i32,
  addr: i32,
  time: i32,
  timeFormat: i32,
  request: i32,
  method: i32,
  uri: i32,
  protocol: i32,
  status: i32,
  bytes: i32,
  referer: i32,
  agent: i32,
  requestTime: i32,
  upstreamTime: i32,
): void {
  variableCount = variables;
  leadingLength = leadingBytes;
  iAddr = addr;
  iTime = time;
  timeKind = timeFormat;
  iRequest = request;
  iMethod = method;
  iUri = uri;
  iProtocol = protocol;
  iStatus = status;
  iBytes = bytes;
  iReferer = referer;
  iAgent = agent;
  iRequestTime = requestTime;
  iUpstreamTime = upstreamTime;
}

@inline function byteAt(buf: usize, i: i32): i32 {
  return <i32>load<u8>(buf + <usize>i);
}

/** First i in [from, to) with buf[i] == c, else to. */
@inline function findByte(buf: usize, from: i32, to: i32, c: i32): i32 {
  let p = from;
  const pattern = i8x16.splat(<i8>c);
  while (p + 16 <= to) {
    const mask = i8x16.bitmask(i8x16.eq(v128.load(buf + <usize>p), pattern));
    if (mask != 0) return p + <i32>ctz(mask);
    p += 16;
  }
  while (p < to) {
    if (byteAt(buf, p) == c) return p;
    p++;
  }
  return to;
}

/** scanner.ts's compiled scan: each variable's range into starts/ends; false if the line does not fit. */
function scanLine(buf: usize, start: i32, end: i32, limit: i32): bool {
  let pos = start;
  for (let k = 0; k < leadingLength; k++) {
    if (pos >= end || byteAt(buf, pos) != <i32>load<u8>(leading + <usize>k)) return false;
    pos++;
  }
  for (let i = 0; i < variableCount; i++) {
    store<i32>(starts + (<usize>i << 2), pos);
    const kind = load<u8>(kinds + <usize>i);
    if (kind == KIND_LAST) {
      store<i32>(ends + (<usize>i << 2), end);
      return true;
    }
    const lit = literals + <usize>load<i32>(literalStart + (<usize>i << 2));
    const litLength = load<i32>(literalLength + (<usize>i << 2));
    const first = <i32>load<u8>(lit);
    let p = pos;
    for (;;) {
      if (kind == KIND_QUOTED_JSON) {
        while (p < end) {
          const b = byteAt(buf, p);
          if (b == 0x5c) p += 2;
          else if (b == first) break;
          else p++;
        }
      } else if (kind == KIND_QUOTED) {
        p = findByte(buf, p, end, first);
      } else if (kind == KIND_LIST) {
        p = findByte(buf, p, end, first);
        if (p < end && p > pos) {
          if (byteAt(buf, p - 1) == 0x2c) {
            p++;
            continue;
          }
          // JavaScript reads past the buffer as undefined: never ':' or ' '.
          if (p + 1 < limit && byteAt(buf, p + 1) == 0x3a && p + 2 < limit && byteAt(buf, p + 2) == 0x20) {
            p += 3;
            continue;
          }
        }
      } else {
        p = findByte(buf, p, end, first);
      }
      if (p + litLength > end) return false;
      let matches = true;
      for (let k = 1; k < litLength; k++)
        if (byteAt(buf, p + k) != <i32>load<u8>(lit + <usize>k)) {
          matches = false;
          break;
        }
      if (matches) break;
      p++;
    }
    store<i32>(ends + (<usize>i << 2), p);
    pos = p + litLength;
  }
  return pos == end;
}

@inline function startOf(i: i32): i32 {
  return load<i32>(starts + (<usize>i << 2));
}
@inline function endOf(i: i32): i32 {
  return load<i32>(ends + (<usize>i << 2));
}

/** hash.ts's hashRange, bit for bit. */
function hashRange(buf: usize, start: i32, end: i32): i32 {
  let h: i32 = 0x811c9dc5 ^ (end - start);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    h = (h ^ load<i32>(buf + <usize>i)) * 0x9e3779b1;
    h ^= <i32>(<u32>h >> 15);
  }
  for (; i < end; i++) h = (h ^ byteAt(buf, i)) * 0x01000193;
  return h;
}

function parseStatus(buf: usize, start: i32, end: i32): i32 {
  if (end - start != 3) return -1;
  const a = byteAt(buf, start) - 0x30;
  const b = byteAt(buf, start + 1) - 0x30;
  const c = byteAt(buf, start + 2) - 0x30;
  if (a < 1 || a > 5 || b < 0 || b > 9 || c < 0 || c > 9) return -1;
  return a * 100 + b * 10 + c;
}

function parseCount(buf: usize, start: i32, end: i32): f64 {
  if (end - start == 1 && byteAt(buf, start) == 0x2d) return 0;
  if (end <= start) return -1;
  let value: f64 = 0;
  for (let i = start; i < end; i++) {
    const d = byteAt(buf, i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + <f64>d;
  }
  return value;
}

@inline function scale(decimals: i32): f64 {
  return decimals <= 0 ? 1000 : decimals == 1 ? 100 : decimals == 2 ? 10 : 1;
}

function parseMillis(buf: usize, start: i32, end: i32): f64 {
  if (end - start == 5 && byteAt(buf, start + 1) == 0x2e) {
    const a = byteAt(buf, start) - 0x30;
    const b = byteAt(buf, start + 2) - 0x30;
    const c = byteAt(buf, start + 3) - 0x30;
    const d = byteAt(buf, start + 4) - 0x30;
    if (<u32>a <= 9 && <u32>b <= 9 && <u32>c <= 9 && <u32>d <= 9)
      return <f64>(a * 1000 + b * 100 + c * 10 + d);
  }
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
function timeLocal(buf: usize, start: i32, end: i32): f64 {
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
function timeIso(buf: usize, start: i32, end: i32): f64 {
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
function timeMsec(buf: usize, start: i32, end: i32): f64 {
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
export function scan(start: i32, end: i32): i32 {
  const buf = bufferArea;
  let pos = start;
  let count = 0;
  let line = 0;
  while (pos < end && count < MAX_RECORDS) {
    let eol = findByte(buf, pos, end, 10);
    let lineEnd = eol;
    if (lineEnd > pos && byteAt(buf, lineEnd - 1) == 13) lineEnd--;
    if (lineEnd > pos) {
      recordLine(buf, pos, lineEnd, line, count);
      count++;
    }
    line++;
    pos = eol + 1;
  }
  stoppedAt = pos;
  linesPassed = line;
  return count;
}

function recordLine(buf: usize, start: i32, end: i32, line: i32, index: i32): void {
  const r = recordIntArea + <usize>(index * RECORD_INTS * 4);
  const f = recordFloatArea + <usize>(index * RECORD_FLOATS * 8);
  store<i32>(r, start, I_LINE_START * 4);
  store<i32>(r, end, I_LINE_END * 4);
  store<i32>(r, line, I_LINE * 4);
  if (!scanLine(buf, start, end, bufferLimit)) {
    store<i32>(r, 1, I_KIND * 4);
    return;
  }
  let status = 0;
  if (iStatus >= 0) {
    status = parseStatus(buf, startOf(iStatus), endOf(iStatus));
    if (status < 0) {
      store<i32>(r, 2, I_KIND * 4);
      return;
    }
  }
  let time: f64 = NaN;
  if (iTime >= 0) {
    const ts = startOf(iTime);
    const te = endOf(iTime);
    time = timeKind == 1 ? timeLocal(buf, ts, te) : timeKind == 2 ? timeIso(buf, ts, te) : timeMsec(buf, ts, te);
    if (isNaN(time)) {
      store<i32>(r, 3, I_KIND * 4);
      return;
    }
  }
  store<i32>(r, 0, I_KIND * 4);
  store<i32>(r, status, I_STATUS * 4);
  store<f64>(f, time, F_TIME * 8);
  splitRequest(buf, r);
  const size = iBytes >= 0 ? parseCount(buf, startOf(iBytes), endOf(iBytes)) : -1;
  const requestMillis =
    iRequestTime >= 0 && trackLatency ? parseMillis(buf, startOf(iRequestTime), endOf(iRequestTime)) : -1;
  const upstreamMillis =
    iUpstreamTime >= 0 && trackLatency ? parseMillis(buf, startOf(iUpstreamTime), endOf(iUpstreamTime)) : -1;
  store<f64>(f, size, F_SIZE * 8);
  store<f64>(f, requestMillis, F_REQUEST_MILLIS * 8);
  store<f64>(f, upstreamMillis, F_UPSTREAM_MILLIS * 8);
  countTotals(status, time, size, iBytes >= 0);
  const statusClass = status >= 100 ? status / 100 - 1 : UNCLASSED;
  if (requestMillis >= 0) addMillis(REQUEST_SKETCHES + statusClass, requestMillis);
  if (upstreamMillis >= 0) addMillis(UPSTREAM_SKETCHES + statusClass, upstreamMillis);
  // The top-K tables and distinct counters, as analyzer.ts's countLine offers them.
  if (iAddr >= 0 && trackIps) {
    const s = startOf(iAddr);
    const e = endOf(iAddr);
    const h = hashRange(buf, s, e);
    offer(changetype<Table>(ipTable), h, buf, s, e, 0);
    addHash(ipRegisters, h);
  }
  const us = load<i32>(r, I_URI_START * 4);
  const pe = load<i32>(r, I_PATH_END * 4);
  const ue = load<i32>(r, I_URI_END * 4);
  if (ue > us && trackPaths) {
    const paths = changetype<Table>(pathTable);
    const pathHash = load<i32>(r, I_PATH_HASH * 4);
    const slot = offer(paths, pathHash, buf, us, pe, 0);
    store<i32>(r, slot, I_PATH_SLOT * 4);
    store<i32>(r, slot >= 0 && paths.replaced == slot ? 1 : 0, I_PATH_REPLACED * 4);
    addHash(pathRegisters, pathHash);
    offer(changetype<Table>(pathQueryTable), load<i32>(r, I_URI_HASH * 4), buf, us, ue, 0);
    if (status >= 400)
      offer(changetype<Table>(statusPathTable), (pathHash ^ status) * 0x9e3779b1, buf, us, pe, status);
  }
  if (iAgent >= 0 && trackAgents) {
    const s = startOf(iAgent);
    const e = endOf(iAgent);
    offer(changetype<Table>(agentTable), hashRange(buf, s, e), buf, s, e, 0);
  }
  if (iReferer >= 0 && trackReferers) {
    const s = startOf(iReferer);
    const e = endOf(iReferer);
    offer(changetype<Table>(refererTable), hashRange(buf, s, e), buf, s, e, 0);
  }
}

/** analyzer.ts's splitRequest: method, URI (path + query) and protocol ranges, and the path's and URI's hashes. */
function splitRequest(buf: usize, r: usize): void {
  let methodStart = 0;
  let methodEnd = 0;
  let uriStart = 0;
  let uriEnd = 0;
  let protocolStart = 0;
  let protocolEnd = 0;
  if (iRequest >= 0) {
    const rs = startOf(iRequest);
    const re = endOf(iRequest);
    let firstSpace = rs;
    while (firstSpace < re && byteAt(buf, firstSpace) != 0x20) firstSpace++;
    let lastSpace = re - 1;
    while (lastSpace > firstSpace && byteAt(buf, lastSpace) != 0x20) lastSpace--;
    if (firstSpace >= re) {
      methodStart = methodEnd = rs;
      uriStart = uriEnd = rs;
      protocolStart = protocolEnd = rs;
    } else {
      methodStart = rs;
      methodEnd = firstSpace;
      if (lastSpace > firstSpace) {
        uriStart = firstSpace + 1;
        uriEnd = lastSpace;
        protocolStart = lastSpace + 1;
        protocolEnd = re;
      } else {
        uriStart = firstSpace + 1;
        uriEnd = re;
        protocolStart = protocolEnd = re;
      }
    }
  } else {
    methodStart = iMethod >= 0 ? startOf(iMethod) : 0;
    methodEnd = iMethod >= 0 ? endOf(iMethod) : 0;
    uriStart = iUri >= 0 ? startOf(iUri) : 0;
    uriEnd = iUri >= 0 ? endOf(iUri) : 0;
    protocolStart = iProtocol >= 0 ? startOf(iProtocol) : 0;
    protocolEnd = iProtocol >= 0 ? endOf(iProtocol) : 0;
  }
  const pathEnd = findByte(buf, uriStart, uriEnd, 0x3f);
  store<i32>(r, methodStart, I_METHOD_START * 4);
  store<i32>(r, methodEnd, I_METHOD_END * 4);
  store<i32>(r, protocolStart, I_PROTOCOL_START * 4);
  store<i32>(r, protocolEnd, I_PROTOCOL_END * 4);
  store<i32>(r, uriStart, I_URI_START * 4);
  store<i32>(r, pathEnd, I_PATH_END * 4);
  store<i32>(r, uriEnd, I_URI_END * 4);
  if (uriEnd > uriStart) {
    const pathHash = hashRange(buf, uriStart, pathEnd);
    store<i32>(r, pathHash, I_PATH_HASH * 4);
    store<i32>(r, pathEnd == uriEnd ? pathHash : hashRange(buf, uriStart, uriEnd), I_URI_HASH * 4);
  }
}
