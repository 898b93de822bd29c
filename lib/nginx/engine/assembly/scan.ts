/*
 * nginxlog's analysis of a line in WebAssembly (AssemblyScript, compiled by ../build-engine.ts):
 * what analyzer.ts's line() and countLine() do, bit for bit (format.ts, fields.ts, hash.ts and
 * the tables and sketches beside them), so a run gives the same summary either way.
 * JavaScript writes the compiled log_format here once (configure), reads lines into the buffer
 * and calls scan(), which counts every line into this memory; JavaScript copies the counts back
 * for the summary (scan-engine.ts). What needs JavaScript comes back as events: a bad line (for
 * the examples) and a method or protocol seen for the first time (its name is decoded there).
 * Wasm because JSC compiles it to code that needs no bounds or type checks per byte, with
 * 64-bit loads and SIMD byte search.
 */
import { countAreas, countLine, countTotals, latency, REQUEST_SKETCHES, UNCLASSED, UPSTREAM_SKETCHES } from "./counts";
import { endOf, findByte, findFar, byteAt, scanLine, setFormat, startOf } from "./format";
import { parseCount, parseMillis, parseStatus, timeIso, timeLocal, timeMsec } from "./fields";
import { hashRange } from "./hash";
import { addHash, newRegisters } from "./hyperloglog";
import { millisBinTable, newSketches, SKETCH_BYTES, sketchAdd, sketchReset } from "./sketch";
import { addValue, newSet, NOT_NEW } from "./small-counts";
import { newTable, offer, Table } from "./space-saving";
import { timelineAdd, timelineAreas, timelineState } from "./timeline";

export { formatAreas } from "./format";
export { millisBinTable, timelineState };

// Events: [type, a, b, c] int32s. A bad line: type 1-3 (the reason), its start, end and line
// number from scan()'s first. A new method (4) or protocol (5): its start, end and addValue's code.
const EVENT_BAD_FORMAT: i32 = 1;
const EVENT_BAD_STATUS: i32 = 2;
const EVENT_BAD_TIME: i32 = 3;
const EVENT_METHOD: i32 = 4;
const EVENT_PROTOCOL: i32 = 5;
const MAX_EVENTS: i32 = 1024;
let events: usize = 0;
let eventCount: i32 = 0;

// Top-K tables, distinct counters, per-path latency, methods and protocols (tables()).
let ipTable: Table | null = null;
let pathTable: Table | null = null;
let pathQueryTable: Table | null = null;
let statusPathTable: Table | null = null;
let agentTable: Table | null = null;
let refererTable: Table | null = null;
let ipRegisters: usize = 0;
let pathRegisters: usize = 0;
let pathSketches: usize = 0;
let methods: usize = 0;
let protocols: usize = 0;
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

let bufferArea: usize = 0;
let scratchArea: usize = 0;
let scratchCapacity: i32 = 0;
/** Bytes of the buffer JavaScript's view covers: scanner.ts reads nothing past it. */
let bufferLimit: i32 = 0;
/** Where the last scan() stopped (the start of the first line it did not take). */
let stoppedAt: i32 = 0;
/** Lines scan() passed over, empty ones included (line numbers advance for those too). */
let linesPassed: i32 = 0;

// The current line's ranges (splitRequest).
let methodStart = 0;
let methodEnd = 0;
let uriStart = 0;
let pathEnd = 0;
let uriEnd = 0;
let protocolStart = 0;
let protocolEnd = 0;

export function stopped(): i32 {
  return stoppedAt;
}
export function passed(): i32 {
  return linesPassed;
}
export function eventArea(): usize {
  return events;
}
export function eventsWritten(): i32 {
  return eventCount;
}

/** The read buffer (offsets in scan() are relative to it; 16 spare bytes for wide loads). */
export function buffer(capacity: i32): usize {
  bufferArea = heap.alloc(<usize>capacity + 16);
  return bufferArea;
}

/**
 * A larger read buffer for a long line, holding the old one's first `keep` bytes (the old
 * one's space is not reused: this happens once per long line at most).
 */
export function growBuffer(capacity: i32, keep: i32): usize {
  const grown = heap.alloc(<usize>capacity + 16);
  memory.copy(grown, bufferArea, <usize>keep);
  bufferArea = grown;
  return grown;
}

/**
 * A second region for lines read elsewhere (a second LineFeeder, as --follow keeps one per file
 * across a rotation): copied here, they never overwrite what the read buffer holds.
 */
export function scratch(capacity: i32): usize {
  if (capacity > scratchCapacity) {
    scratchArea = heap.alloc(<usize>capacity + 16);
    scratchCapacity = capacity;
  }
  return scratchArea;
}

/** The length of the buffer JavaScript reads into now. */
export function bufferLength(length: i32): void {
  bufferLimit = length;
}

/**
 * Creates everything counted: the top-K tables (capacity and key bytes of each as analyzer.ts
 * sizes them), distinct counters, per-path latency sketches, methods and protocols, totals
 * (counts.ts) and the timeline (timeline.ts, `maxBuckets` buckets from `bucketSeconds` wide).
 * Returns where they are: Table addresses of ip, path, pathQuery, statusPath, userAgent and
 * referer, the two register arrays, the path sketches, the methods and protocols sets, the
 * totals list (countAreas) and the buckets.
 */
export function tables(capacity: i32, tracked: i32, maxBuckets: i32, bucketSeconds: f64): usize {
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
  pathSketches = newSketches(capacity);
  methods = newSet();
  protocols = newSet();
  events = heap.alloc(<usize>MAX_EVENTS * 16);
  const totals = countAreas();
  const buckets = timelineAreas(maxBuckets, bucketSeconds, (tracked & 32) != 0);
  const list = memory.data(13 * 4);
  store<u32>(list, <u32>changetype<usize>(ipTable));
  store<u32>(list, <u32>changetype<usize>(pathTable), 4);
  store<u32>(list, <u32>changetype<usize>(pathQueryTable), 8);
  store<u32>(list, <u32>changetype<usize>(statusPathTable), 12);
  store<u32>(list, <u32>changetype<usize>(agentTable), 16);
  store<u32>(list, <u32>changetype<usize>(refererTable), 20);
  store<u32>(list, <u32>ipRegisters, 24);
  store<u32>(list, <u32>pathRegisters, 28);
  store<u32>(list, <u32>pathSketches, 32);
  store<u32>(list, <u32>methods, 36);
  store<u32>(list, <u32>protocols, 40);
  store<u32>(list, <u32>totals, 44);
  store<u32>(list, <u32>buckets, 48);
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
  setFormat(variables, leadingBytes);
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

function event(type: i32, a: i32, b: i32, c: i32): void {
  const at = events + (<usize>eventCount << 4);
  store<i32>(at, type);
  store<i32>(at, a, 4);
  store<i32>(at, b, 8);
  store<i32>(at, c, 12);
  eventCount++;
}

/**
 * Counts the lines of buf[start, end) (the read buffer or scratch; a last line without "\n"
 * counts) until the events are nearly full; stopped() tells where it stopped, passed() how
 * many lines it went past, eventsWritten() how many events there are.
 */
export function scan(buf: usize, start: i32, end: i32): void {
  let pos = start;
  let line = 0;
  eventCount = 0;
  while (pos < end && eventCount + 2 <= MAX_EVENTS) {
    const eol = findFar(buf, pos, end, 10);
    let lineEnd = eol;
    if (lineEnd > pos && byteAt(buf, lineEnd - 1) == 13) lineEnd--;
    if (lineEnd > pos) countOne(buf, pos, lineEnd, line);
    line++;
    pos = eol + 1;
  }
  stoppedAt = pos;
  linesPassed = line;
}

function bad(type: i32, start: i32, end: i32, line: i32): void {
  countLine(true);
  event(type, start, end, line);
}

/** analyzer.ts's line() and countLine() for one non-empty line. */
function countOne(buf: usize, start: i32, end: i32, line: i32): void {
  if (!scanLine(buf, start, end, bufferLimit)) {
    bad(EVENT_BAD_FORMAT, start, end, line);
    return;
  }
  let status = 0;
  if (iStatus >= 0) {
    status = parseStatus(buf, startOf(iStatus), endOf(iStatus));
    if (status < 0) {
      bad(EVENT_BAD_STATUS, start, end, line);
      return;
    }
  }
  let time: f64 = NaN;
  if (iTime >= 0) {
    const ts = startOf(iTime);
    const te = endOf(iTime);
    time = sameTimeText(buf, ts, te)
      ? lastTime
      : rememberTime(buf, ts, te, timeKind == 1 ? timeLocal(buf, ts, te) : timeKind == 2 ? timeIso(buf, ts, te) : timeMsec(buf, ts, te));
    if (isNaN(time)) {
      bad(EVENT_BAD_TIME, start, end, line);
      return;
    }
  }
  countLine(false);
  splitRequest(buf);
  const parsed = iBytes >= 0 ? parseCount(buf, startOf(iBytes), endOf(iBytes)) : -1;
  const size = iBytes >= 0 && parsed > 0 ? parsed : 0;
  const requestMillis =
    iRequestTime >= 0 && trackLatency ? parseMillis(buf, startOf(iRequestTime), endOf(iRequestTime)) : -1;
  const upstreamMillis =
    iUpstreamTime >= 0 && trackLatency ? parseMillis(buf, startOf(iUpstreamTime), endOf(iUpstreamTime)) : -1;
  countTotals(status, time, parsed, iBytes >= 0);
  const statusClass = status >= 100 ? status / 100 - 1 : UNCLASSED;
  if (requestMillis >= 0) latency(REQUEST_SKETCHES + statusClass, requestMillis);
  if (upstreamMillis >= 0) latency(UPSTREAM_SKETCHES + statusClass, upstreamMillis);
  countName(methods, EVENT_METHOD, buf, methodStart, methodEnd);
  countName(protocols, EVENT_PROTOCOL, buf, protocolStart, protocolEnd);
  timelineAdd(time, size, statusClass == UNCLASSED ? -1 : statusClass, requestMillis);

  // The top-K tables and distinct counters, as analyzer.ts's countLine offers them.
  if (iAddr >= 0 && trackIps) {
    const s = startOf(iAddr);
    const e = endOf(iAddr);
    const h = hashRange(buf, s, e);
    offer(changetype<Table>(ipTable), h, buf, s, e, 0);
    addHash(ipRegisters, h);
  }
  const us = uriStart;
  const pe = pathEnd;
  const ue = uriEnd;
  if (ue > us && trackPaths) {
    const paths = changetype<Table>(pathTable);
    const pathHash = hashRange(buf, us, pe);
    const slot = offer(paths, pathHash, buf, us, pe, 0);
    addHash(pathRegisters, pathHash);
    offer(changetype<Table>(pathQueryTable), pe == ue ? pathHash : hashRange(buf, us, ue), buf, us, ue, 0);
    if (status >= 400)
      offer(changetype<Table>(statusPathTable), (pathHash ^ status) * 0x9e3779b1, buf, us, pe, status);
    // pathLatency: the slot's sketch restarts when the slot changed hands.
    if (slot >= 0) {
      const sketch = pathSketches + <usize>slot * SKETCH_BYTES;
      if (paths.replaced == slot) sketchReset(sketch);
      if (requestMillis >= 0) sketchAdd(sketch, requestMillis);
    }
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

// The last time text and its value: a busy log repeats the same second on many lines.
const lastText = memory.data(32);
let lastLength = -1;
let lastTime: f64 = NaN;

@inline function sameTimeText(buf: usize, start: i32, end: i32): bool {
  const length = end - start;
  if (length != lastLength || length > 32) return false;
  const at = buf + <usize>start;
  if (length >= 16) {
    // Two 16-byte compares, overlapping when shorter than 32 (a $time_local is 26 bytes).
    const tail = <usize>(length - 16);
    return (
      i8x16.all_true(i8x16.eq(v128.load(at), v128.load(lastText))) &&
      i8x16.all_true(i8x16.eq(v128.load(at + tail), v128.load(lastText + tail)))
    );
  }
  let i = 0;
  for (; i + 8 <= length; i += 8) if (load<u64>(at + <usize>i) != load<u64>(lastText + <usize>i)) return false;
  for (; i < length; i++) if (load<u8>(at + <usize>i) != load<u8>(lastText + <usize>i)) return false;
  return true;
}

function rememberTime(buf: usize, start: i32, end: i32, value: f64): f64 {
  const length = end - start;
  if (length <= 32) {
    memory.copy(lastText, buf + <usize>start, <usize>length);
    lastLength = length;
    lastTime = value;
  }
  return value;
}

/** SmallCounts.add; a value seen for the first time goes to JavaScript for its name. */
@inline function countName(set: usize, type: i32, buf: usize, start: i32, end: i32): void {
  const code = addValue(set, buf, start, end, end - start > 8 ? hashRange(buf, start, end) : 0);
  if (code != NOT_NEW) event(type, start, end, code);
}

/** analyzer.ts's splitRequest: method, URI (path + query) and protocol ranges. */
function splitRequest(buf: usize): void {
  if (iRequest >= 0) {
    const rs = startOf(iRequest);
    const re = endOf(iRequest);
    const firstSpace = findByte(buf, rs, re, 0x20);
    let lastSpace = re - 1;
    // The request's last 16 bytes at once when they all lie past the first space.
    if (re - 16 > firstSpace) {
      const spaces = i8x16.bitmask(i8x16.eq(v128.load(buf + <usize>(re - 16)), i8x16.splat(0x20)));
      lastSpace = spaces != 0 ? re - 16 + 31 - <i32>clz(spaces) : re - 17;
    }
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
  pathEnd = findByte(buf, uriStart, uriEnd, 0x3f);
}
