/**
 * Streaming analysis of one byte stream of log lines into bounded sketches. The per-line path
 * works on byte ranges of the read buffer: hashes feed the sketches, and only a key entering a
 * top-K summary is copied (as bytes) into that summary's arena.
 */

import { badFormat, badReasons, badStatus, badTime } from "./bad-reasons.ts";
import { bytesToLatin1, decodeValue } from "./decode.ts";
import { type EngineCounts, eventMethod, eventProtocol, ScanEngine } from "./engine/scan-engine.ts";
import { parseCount, parseMillis, parseStatus, TimeParser } from "./fields.ts";
import {
  bytesEqual,
  bytesStartWith,
  type CompiledFilter,
  compileFilter,
  type FilterSpec,
  ipv4At,
  whereHolds,
} from "./filter.ts";
import type { LogFormat } from "./format.ts";
import { readBufferSize } from "./reader.ts";
import { LineScanner } from "./scanner.ts";
import { DDSketch } from "./sketch/ddsketch.ts";
import { hashRange } from "./sketch/hash.ts";
import { HyperLogLog } from "./sketch/hyperloglog.ts";
import { type HeavyHitter, SpaceSaving } from "./sketch/space-saving.ts";
import { SmallCounts } from "./small-counts.ts";
import {
  type BadLine,
  type BucketState,
  hllToBase64,
  type LatencyState,
  maxBuckets,
  maxGivenBuckets,
  type SketchState,
  type Summary,
  sketchToState,
  summaryVersion,
  type TopName,
  type TopState,
  topNames,
} from "./summary.ts";
import { type TableGroup, tableGroups } from "./table-groups.ts";
import { firstIndexes, valueIndexes } from "./variables.ts";

export interface AnalyzerOptions {
  format: LogFormat;
  filter?: FilterSpec;
  /** Time bucket width in seconds (0 = automatic: widened as the time range grows). */
  bucketSeconds?: number;
  /** Space-Saving counters per top-K table. */
  topCapacity?: number;
  badExampleLimit?: number;
  /** Table groups to compute (default all): skipping groups makes the pass faster. */
  only?: readonly TableGroup[];
  /** Called with every accepted line (exports); gets a view that materialises fields on demand. */
  onRecord?: (record: RecordView) => void;
}

export { type TableGroup, tableGroups };

const methodLimit = 32;
/** Paths whose latency sketches go into the summary. */
const pathLatencyKept = 256;

/** Status class index (0 = 1xx .. 4 = 5xx) by status; a table keeps the hot path in int32 (no division). */
const statusClasses = new Int8Array(600).map((_, status) =>
  status >= 100 ? Math.floor(status / 100) - 1 : -1,
);

const space = 0x20;
const question = 0x3f;

interface Bucket {
  t: number;
  requests: number;
  bytes: number;
  classes: Float64Array;
  requestTime: DDSketch;
}

export class Analyzer {
  readonly format: LogFormat;
  readonly scanner: LineScanner;
  private readonly filter: CompiledFilter;
  private readonly times = new TimeParser();
  private readonly onRecord: ((record: RecordView) => void) | undefined;
  private readonly view: RecordView;

  // Where each role's value is: index into scanner.starts/ends, -1 if the format lacks it.
  private readonly at: Record<string, number>;
  private readonly iAddr: number;
  private readonly iTime: number;
  private readonly timeKind: "local" | "iso" | "msec" | "none";
  private readonly iRequest: number;
  private readonly iMethod: number;
  private readonly iUri: number;
  private readonly iProtocol: number;
  private readonly iStatus: number;
  private readonly iBytes: number;
  private readonly iReferer: number;
  private readonly iAgent: number;
  private readonly iRequestTime: number;
  private readonly iUpstreamTime: number;

  /** Lines and bad lines counted here (the engine counts its own: see the getters). */
  private lineCount = 0;
  private badCount = 0;
  get lines(): number {
    return this.lineCount + (this.engine ? this.engine.lineCount() : 0);
  }
  get bad(): number {
    return this.badCount + (this.engine ? this.engine.badCount() : 0);
  }
  filtered = 0;
  private requestCount = 0;
  /** Lines counted (not bad, not filtered out): the engine's count when it counts them. */
  get requests(): number {
    return this.engine ? this.engine.requestCount() : this.requestCount;
  }
  /**
   * Bytes sent, kept in a Float64Array: a plain field starts as an int32 and overflowing 2^31
   * made the optimised line() bail out (BadType OSR exits) every time it was recompiled.
   */
  private readonly byteTotal = new Float64Array(1);
  get bytes(): number {
    return this.byteTotal[0] as number;
  }
  firstTime = Number.POSITIVE_INFINITY;
  lastTime = Number.NEGATIVE_INFINITY;
  readonly status = new Float64Array(600);
  private readonly methods: SmallCounts;
  private readonly protocols: SmallCounts;
  private bucketSeconds: number;
  private readonly tracks: Record<TableGroup, boolean>;
  private readonly autoBucket: boolean;
  private readonly buckets = new Map<number, Bucket>();
  /** Buckets folded away by widenBuckets, reused for new ones: no garbage on long time ranges. */
  private readonly spareBuckets: Bucket[] = [];
  private lastBucket: Bucket | undefined;
  readonly top: Record<TopName, SpaceSaving>;
  private readonly ipDistinct = new HyperLogLog();
  private readonly pathDistinct = new HyperLogLog();
  /**
   * Latency of lines without a status class (formats without $status). The overall sketch is
   * this plus every class's sketch, merged when the summary is built: one add per value instead of two.
   */
  private readonly requestTimeUnclassed = new DDSketch();
  private readonly upstreamTimeUnclassed = new DDSketch();
  private readonly requestTimeByClass: DDSketch[] = [1, 2, 3, 4, 5].map(() => new DDSketch());
  private readonly upstreamTimeByClass: DDSketch[] = [1, 2, 3, 4, 5].map(() => new DDSketch());
  /** $request_time per path, by the path summary's slot (reset when a slot changes hands). */
  private readonly pathSketches: DDSketch[] = [];
  readonly badExamples: BadLine[] = [];
  private readonly badExampleLimit: number;
  source = "-";

  // The current line's values, valid after line() scanned it (the JavaScript path).
  private lineStatus = 0;
  private size = 0;
  private requestMillis = -1;
  private upstreamMillis = -1;
  private addrStart = 0;
  private addrEnd = 0;
  private addrHash = 0;
  private pathHash = 0;
  private uriHash = 0;
  private agentStart = 0;
  private agentEnd = 0;
  private agentHash = 0;
  private refererStart = 0;
  private refererEnd = 0;
  private refererHash = 0;
  /** Names of methods and protocols the engine saw first (events), by its index for them. */
  private readonly engineNames = {
    methods: { packed: [] as string[], long: [] as string[] },
    protocols: { packed: [] as string[], long: [] as string[] },
  };
  /**
   * The WebAssembly engine, when it can run and every line is counted the same way (no filter,
   * no records): it counts the lines itself, and the summary takes its counts (takeEngineCounts).
   */
  private readonly engine: ScanEngine | undefined;
  uriStart = 0;
  uriEnd = 0;
  pathEnd = 0;
  methodStart = 0;
  methodEnd = 0;
  protocolStart = 0;
  protocolEnd = 0;
  buf: Uint8Array = new Uint8Array(0);
  /** DataView over buf for 4-byte hashing; rebuilt when the read buffer changes. */
  private bytesView: DataView = new DataView(new ArrayBuffer(0));
  /** Unix seconds of the current line (NaN if the format has no time). */
  time = Number.NaN;

  constructor(options: AnalyzerOptions) {
    this.format = options.format;
    this.scanner = new LineScanner(options.format);
    this.filter = compileFilter(options.filter ?? {});
    this.onRecord = options.onRecord;
    this.badExampleLimit = options.badExampleLimit ?? 10;
    this.autoBucket = !options.bucketSeconds;
    const only = options.only && options.only.length > 0 ? new Set(options.only) : undefined;
    this.tracks = Object.fromEntries(tableGroups.map((g) => [g, !only || only.has(g)])) as Record<
      TableGroup,
      boolean
    >;
    this.bucketSeconds = options.bucketSeconds || 60;
    this.methods = new SmallCounts(methodLimit, options.format.escape);
    this.protocols = new SmallCounts(methodLimit, options.format.escape);
    const capacity = options.topCapacity ?? 1024;
    this.top = {
      ip: new SpaceSaving(capacity, 64),
      path: new SpaceSaving(capacity, 256),
      pathQuery: new SpaceSaving(capacity, 256),
      userAgent: new SpaceSaving(Math.min(capacity, 1024), 256),
      referer: new SpaceSaving(Math.min(capacity, 1024), 256),
      statusPath: new SpaceSaving(Math.min(capacity, 2048), 260),
    };
    this.at = firstIndexes(options.format.variables);
    const roles = valueIndexes(options.format.variables);
    this.iAddr = roles.addr;
    this.iTime = roles.time;
    const timeVariable = options.format.variables[roles.time];
    this.timeKind =
      timeVariable === "time_local"
        ? "local"
        : timeVariable === "time_iso8601"
          ? "iso"
          : timeVariable === "msec"
            ? "msec"
            : "none";
    this.iRequest = roles.request;
    this.iMethod = roles.method;
    this.iUri = roles.uri;
    this.iProtocol = roles.protocol;
    this.iStatus = roles.status;
    this.iBytes = roles.bytes;
    this.iReferer = roles.referer;
    this.iAgent = roles.agent;
    this.iRequestTime = roles.requestTime;
    this.iUpstreamTime = roles.upstreamTime;
    this.view = new RecordView(this);
    this.engine =
      this.filter.active || this.onRecord
        ? undefined
        : ScanEngine.create(
            { format: this.format, scanner: this.scanner, roles },
            readBufferSize,
            capacity,
            this.tracks,
            {
              seconds: this.bucketSeconds,
              maxBuckets: this.autoBucket ? maxBuckets : maxGivenBuckets,
            },
          );
  }

  /** A read buffer of `size` bytes: the engine's own (in its memory) when it has one. */
  readBuffer(size: number): Uint8Array {
    return this.engine?.handOut(size) ?? new Uint8Array(size);
  }

  /** `buf` as it is now: the engine's memory may have grown under a view of its read buffer. */
  currentBuffer(buf: Uint8Array): Uint8Array {
    return this.engine ? this.engine.current(buf) : buf;
  }

  /** `buf` (from readBuffer) grown to `size` bytes, its bytes kept (in the engine's memory when it is the engine's). */
  growBuffer(buf: Uint8Array, size: number): Uint8Array {
    if (this.engine && buf === this.engine.buffer) {
      const grown = this.engine.grow(size);
      if (grown) return grown;
      throw new Error(`no memory for a line of ${size / 2} bytes or more`);
    }
    const bigger = new Uint8Array(size);
    bigger.set(buf);
    return bigger;
  }

  /** Analyses every line in buf[start, end); a final line without "\n" counts too. */
  feed(buf: Uint8Array, start: number, end: number, firstLineNumber: number): number {
    if (this.engine) {
      if (this.engine.owns(buf)) return this.feedScanned(buf, start, end, firstLineNumber);
      // Another reader's buffer: its lines are copied in, with the two bytes after them that
      // the scan may look at past a line's end (as the JavaScript scan reads them there).
      const copy = this.engine.copyIn(buf.subarray(start, Math.min(buf.length, end + 2)));
      return this.feedScanned(copy, 0, end - start, firstLineNumber);
    }
    if (this.buf !== buf) {
      this.buf = buf;
      this.bytesView = new DataView(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength);
    }
    let lineNumber = firstLineNumber;
    let pos = start;
    while (pos < end) {
      let eol = buf.indexOf(10, pos);
      if (eol < 0 || eol >= end) eol = end;
      let lineEnd = eol;
      if (lineEnd > pos && buf[lineEnd - 1] === 13) lineEnd--;
      if (lineEnd > pos) this.line(buf, pos, lineEnd, lineNumber);
      lineNumber++;
      pos = eol + 1;
    }
    return lineNumber;
  }

  /** feed() through the WebAssembly engine: it counts the lines; the events it leaves are handled here. */
  private feedScanned(
    buf: Uint8Array,
    start: number,
    end: number,
    firstLineNumber: number,
  ): number {
    const engine = this.engine as ScanEngine;
    let lineNumber = firstLineNumber;
    let pos = start;
    let bytes = buf;
    while (pos < end) {
      const count = engine.scan(bytes, pos, end);
      // The engine's memory may have grown during the scan: a new view of the same bytes.
      bytes = engine.scanned;
      const events = engine.events;
      for (let k = 0; k < count; k++) {
        const type = events[4 * k] as number;
        const a = events[4 * k + 1] as number;
        const b = events[4 * k + 2] as number;
        const c = events[4 * k + 3] as number;
        if (type === eventMethod || type === eventProtocol) {
          const names =
            type === eventMethod ? this.engineNames.methods : this.engineNames.protocols;
          const name = SmallCounts.nameOf(bytes.subarray(a, b), this.format.escape, c >= 0);
          if (c >= 0) names.packed[c] = name;
          else names.long[-2 - c] = name;
        } else this.badExample(bytes, a, b, lineNumber + c, badReasons[type] as string);
      }
      lineNumber += engine.passed();
      pos = engine.stopped();
    }
    return lineNumber;
  }

  private rejectLine(
    buf: Uint8Array,
    start: number,
    end: number,
    lineNumber: number,
    reason: string,
  ): void {
    this.badCount++;
    this.badExample(buf, start, end, lineNumber, reason);
  }

  private badExample(
    buf: Uint8Array,
    start: number,
    end: number,
    lineNumber: number,
    reason: string,
  ): void {
    if (this.badExamples.length < this.badExampleLimit)
      this.badExamples.push({
        source: this.source,
        line: lineNumber,
        text: decodeValue(buf.subarray(start, Math.min(end, start + 400)), "none"),
        reason,
      });
  }

  /** A line over the reader's length cap: counted as bad from its first bytes (the rest is skipped). */
  tooLong(buf: Uint8Array, start: number, end: number, lineNumber: number, cap: number): void {
    this.lineCount++;
    this.rejectLine(buf, start, end, lineNumber, `longer than ${cap} bytes`);
  }

  line(buf: Uint8Array, start: number, end: number, lineNumber: number): void {
    this.lineCount++;
    const scanner = this.scanner;
    if (!scanner.scan(buf, start, end)) {
      this.rejectLine(buf, start, end, lineNumber, badReasons[badFormat]);
      return;
    }
    const starts = scanner.starts;
    const ends = scanner.ends;
    let status = 0;
    if (this.iStatus >= 0) {
      status = parseStatus(buf, starts[this.iStatus] as number, ends[this.iStatus] as number);
      if (status < 0) {
        this.rejectLine(buf, start, end, lineNumber, badReasons[badStatus]);
        return;
      }
    }
    let time = Number.NaN;
    if (this.iTime >= 0) {
      const ts = starts[this.iTime] as number;
      const te = ends[this.iTime] as number;
      time =
        this.timeKind === "local"
          ? this.times.local(buf, ts, te)
          : this.timeKind === "iso"
            ? this.times.iso(buf, ts, te)
            : this.times.msec(buf, ts, te);
      if (Number.isNaN(time)) {
        this.rejectLine(buf, start, end, lineNumber, badReasons[badTime]);
        return;
      }
    }
    this.time = time;
    this.splitRequest(buf);
    if (this.filter.active && !this.passes(buf, status, time)) {
      this.filtered++;
      return;
    }
    const view = this.bytesView;
    this.lineStatus = status;
    this.size =
      this.iBytes >= 0
        ? parseCount(buf, starts[this.iBytes] as number, ends[this.iBytes] as number)
        : -1;
    this.requestMillis =
      this.iRequestTime >= 0 && this.tracks.latency
        ? parseMillis(buf, starts[this.iRequestTime] as number, ends[this.iRequestTime] as number)
        : -1;
    this.upstreamMillis =
      this.iUpstreamTime >= 0 && this.tracks.latency
        ? parseMillis(buf, starts[this.iUpstreamTime] as number, ends[this.iUpstreamTime] as number)
        : -1;
    if (this.iAddr >= 0 && this.tracks.ips) {
      const s = starts[this.iAddr] as number;
      const e = ends[this.iAddr] as number;
      this.addrStart = s;
      this.addrEnd = e;
      this.addrHash = hashRange(view, buf, s, e);
    }
    const us = this.uriStart;
    const ue = this.uriEnd;
    const pe = this.pathEnd;
    if (ue > us && this.tracks.paths) {
      this.pathHash = hashRange(view, buf, us, pe);
      this.uriHash = pe === ue ? this.pathHash : hashRange(view, buf, us, ue);
    }
    if (this.iAgent >= 0 && this.tracks.agents) {
      const s = starts[this.iAgent] as number;
      const e = ends[this.iAgent] as number;
      this.agentStart = s;
      this.agentEnd = e;
      this.agentHash = hashRange(view, buf, s, e);
    }
    if (this.iReferer >= 0 && this.tracks.referers) {
      const s = starts[this.iReferer] as number;
      const e = ends[this.iReferer] as number;
      this.refererStart = s;
      this.refererEnd = e;
      this.refererHash = hashRange(view, buf, s, e);
    }
    this.countLine(buf);
  }

  /** Counts the current line (its values already in this.lineStatus, this.size, ...) into every table. */
  private countLine(buf: Uint8Array): void {
    const view = this.bytesView;
    const status = this.lineStatus;
    const time = this.time;
    let size = 0;
    if (this.iBytes >= 0) {
      size = this.size;
      if (size < 0) size = 0;
    }
    const statusClass = statusClasses[status] as number;
    const requestMillis = this.iRequestTime >= 0 ? this.requestMillis : -1;
    this.countTotals(status, time, size, statusClass, requestMillis);
    this.methods.add(view, buf, this.methodStart, this.methodEnd);
    this.protocols.add(view, buf, this.protocolStart, this.protocolEnd);

    if (!Number.isNaN(time) && this.tracks.timeline) {
      const bucket = this.bucketFor(time);
      bucket.requests++;
      bucket.bytes += size;
      if (statusClass >= 0)
        bucket.classes[statusClass] = (bucket.classes[statusClass] as number) + 1;
      if (requestMillis >= 0) bucket.requestTime.addMillis(requestMillis);
    }

    const us = this.uriStart;
    const ue = this.uriEnd;
    if (this.iAddr >= 0 && this.tracks.ips) {
      const h = this.addrHash;
      this.top.ip.offer(h, buf, this.addrStart, this.addrEnd, 0);
      this.ipDistinct.add(h);
    }
    const pe = this.pathEnd;
    if (ue > us && this.tracks.paths) {
      const pathHash = this.pathHash;
      const slot = this.top.path.offer(pathHash, buf, us, pe, 0);
      this.pathDistinct.add(pathHash);
      this.top.pathQuery.offer(this.uriHash, buf, us, ue, 0);
      if (status >= 400) this.offerStatusPath(buf, status, us, pe, pathHash);
      this.pathLatency(slot, slot >= 0 && this.top.path.replaced === slot, requestMillis);
    }
    if (this.iAgent >= 0 && this.tracks.agents)
      this.top.userAgent.offer(this.agentHash, buf, this.agentStart, this.agentEnd, 0);
    if (this.iReferer >= 0 && this.tracks.referers)
      this.top.referer.offer(this.refererHash, buf, this.refererStart, this.refererEnd, 0);
    if (this.onRecord) this.onRecord(this.view);
  }

  /** Requests, bytes, status codes, the time range and the latency sketches by status class. */
  private countTotals(
    status: number,
    time: number,
    size: number,
    statusClass: number,
    requestMillis: number,
  ): void {
    this.requestCount++;
    if (this.iBytes >= 0) this.byteTotal[0] = (this.byteTotal[0] as number) + size;
    this.status[status] = (this.status[status] as number) + 1;
    if (requestMillis >= 0) {
      const sketch =
        statusClass >= 0
          ? (this.requestTimeByClass[statusClass] as DDSketch)
          : this.requestTimeUnclassed;
      sketch.addMillis(requestMillis);
    }
    const upstreamMillis = this.iUpstreamTime >= 0 ? this.upstreamMillis : -1;
    if (upstreamMillis >= 0) {
      const sketch =
        statusClass >= 0
          ? (this.upstreamTimeByClass[statusClass] as DDSketch)
          : this.upstreamTimeUnclassed;
      sketch.addMillis(upstreamMillis);
    }
    if (!Number.isNaN(time)) {
      if (time < this.firstTime) this.firstTime = time;
      if (time > this.lastTime) this.lastTime = time;
    }
  }

  /** $request_time of the path in slot `slot` of the path table (its sketch restarts when the slot changed hands). */
  private pathLatency(slot: number, replaced: boolean, requestMillis: number): void {
    if (slot < 0) return;
    let sketch = this.pathSketches[slot];
    if (sketch && replaced) sketch.reset();
    if (requestMillis >= 0) {
      if (!sketch) {
        sketch = new DDSketch();
        this.pathSketches[slot] = sketch;
      }
      sketch.addMillis(requestMillis);
    }
  }

  /** Method, URI (path + query) and protocol ranges, from $request or their own variables. */
  private splitRequest(buf: Uint8Array): void {
    const starts = this.scanner.starts;
    const ends = this.scanner.ends;
    if (this.iRequest >= 0) {
      const rs = starts[this.iRequest] as number;
      const re = ends[this.iRequest] as number;
      let firstSpace = rs;
      while (firstSpace < re && buf[firstSpace] !== space) firstSpace++;
      let lastSpace = re - 1;
      while (lastSpace > firstSpace && buf[lastSpace] !== space) lastSpace--;
      if (firstSpace >= re) {
        // Not "METHOD URI PROTOCOL" (e.g. "-" or garbage nginx answered with 400).
        this.methodStart = this.methodEnd = rs;
        this.uriStart = this.uriEnd = rs;
        this.protocolStart = this.protocolEnd = rs;
      } else {
        this.methodStart = rs;
        this.methodEnd = firstSpace;
        if (lastSpace > firstSpace) {
          this.uriStart = firstSpace + 1;
          this.uriEnd = lastSpace;
          this.protocolStart = lastSpace + 1;
          this.protocolEnd = re;
        } else {
          // HTTP/0.9 style "GET /path": no protocol.
          this.uriStart = firstSpace + 1;
          this.uriEnd = re;
          this.protocolStart = this.protocolEnd = re;
        }
      }
    } else {
      this.methodStart = this.iMethod >= 0 ? (starts[this.iMethod] as number) : 0;
      this.methodEnd = this.iMethod >= 0 ? (ends[this.iMethod] as number) : 0;
      this.uriStart = this.iUri >= 0 ? (starts[this.iUri] as number) : 0;
      this.uriEnd = this.iUri >= 0 ? (ends[this.iUri] as number) : 0;
      this.protocolStart = this.iProtocol >= 0 ? (starts[this.iProtocol] as number) : 0;
      this.protocolEnd = this.iProtocol >= 0 ? (ends[this.iProtocol] as number) : 0;
    }
    // The '?' four bytes at a time (a word with no '?' byte has no zero byte after ^ 0x3f3f3f3f).
    let q = this.uriStart;
    const ue = this.uriEnd;
    const view = this.bytesView;
    for (; q + 4 <= ue; q += 4) {
      const v = view.getInt32(q, true) ^ 0x3f3f3f3f;
      if ((((v - 0x01010101) | 0) & ~v & 0x80808080) !== 0) break;
    }
    while (q < ue && buf[q] !== question) q++;
    this.pathEnd = q;
  }

  private offerStatusPath(
    buf: Uint8Array,
    status: number,
    start: number,
    end: number,
    pathHash: number,
  ): void {
    const hash = Math.imul(pathHash ^ status, 0x9e3779b1);
    this.top.statusPath.offer(hash, buf, start, end, status);
  }

  private bucketFor(time: number): Bucket {
    const width = this.bucketSeconds;
    const t = Math.floor(time / width) * width;
    const last = this.lastBucket;
    if (last && last.t === t) return last;
    let bucket = this.buckets.get(t);
    if (!bucket) {
      if (this.buckets.size >= (this.autoBucket ? maxBuckets : maxGivenBuckets)) {
        this.widenBuckets();
        return this.bucketFor(time);
      }
      bucket = this.spareBuckets.pop() ?? {
        t,
        requests: 0,
        bytes: 0,
        classes: new Float64Array(5),
        requestTime: DDSketch.spanning(last?.requestTime),
      };
      bucket.t = t;
      this.buckets.set(t, bucket);
    }
    this.lastBucket = bucket;
    return bucket;
  }

  /** Doubles the bucket width and folds pairs together: bounded memory on any time range. */
  private widenBuckets(): void {
    this.bucketSeconds *= 2;
    const old = [...this.buckets.values()];
    this.buckets.clear();
    this.lastBucket = undefined;
    for (const bucket of old) {
      const t = Math.floor(bucket.t / this.bucketSeconds) * this.bucketSeconds;
      const existing = this.buckets.get(t);
      if (!existing) {
        bucket.t = t;
        this.buckets.set(t, bucket);
      } else {
        existing.requests += bucket.requests;
        existing.bytes += bucket.bytes;
        for (let i = 0; i < 5; i++)
          existing.classes[i] = (existing.classes[i] as number) + (bucket.classes[i] as number);
        existing.requestTime.merge(bucket.requestTime);
        bucket.requests = 0;
        bucket.bytes = 0;
        bucket.classes.fill(0);
        bucket.requestTime.reset();
        this.spareBuckets.push(bucket);
      }
    }
  }

  private passes(buf: Uint8Array, status: number, time: number): boolean {
    const f = this.filter;
    if (!Number.isNaN(time) && (time < f.since || time >= f.until)) return false;
    if (
      Number.isNaN(time) &&
      (f.since !== Number.NEGATIVE_INFINITY || f.until !== Number.POSITIVE_INFINITY)
    )
      return false;
    if (f.statusAllowed && f.statusAllowed[status] !== 1) return false;
    if (f.pathPrefixes.length > 0) {
      let ok = false;
      for (const prefix of f.pathPrefixes)
        if (bytesStartWith(buf, this.uriStart, this.uriEnd, prefix)) ok = true;
      if (!ok) return false;
    }
    if (f.methods.length > 0) {
      let ok = false;
      for (const method of f.methods)
        if (bytesEqual(buf, this.methodStart, this.methodEnd, method)) ok = true;
      if (!ok) return false;
    }
    if (f.ipExact.length + f.ipCidrs.length > 0) {
      const s = this.iAddr >= 0 ? (this.scanner.starts[this.iAddr] as number) : 0;
      const e = this.iAddr >= 0 ? (this.scanner.ends[this.iAddr] as number) : 0;
      let ok = false;
      for (const ip of f.ipExact) if (bytesEqual(buf, s, e, ip)) ok = true;
      if (!ok && f.ipCidrs.length > 0) {
        const value = ipv4At(buf, s, e);
        if (value >= 0)
          for (const cidr of f.ipCidrs) if ((value & cidr.mask) >>> 0 === cidr.network) ok = true;
      }
      if (!ok) return false;
    }
    for (const clause of f.where)
      if (!whereHolds(clause, this.view.field(clause.field))) return false;
    return true;
  }

  /** Value of a variable (or derived field) of the current line, decoded; undefined if absent. */
  field(name: string): string | undefined {
    const buf = this.buf;
    const derived: Record<string, [number, number]> = {
      method: [this.methodStart, this.methodEnd],
      uri: [this.uriStart, this.uriEnd],
      path: [this.uriStart, this.pathEnd],
      query: [Math.min(this.pathEnd + 1, this.uriEnd), this.uriEnd],
      protocol: [this.protocolStart, this.protocolEnd],
    };
    const i = this.at[name];
    if (i !== undefined)
      return decodeValue(
        buf.subarray(this.scanner.starts[i] as number, this.scanner.ends[i] as number),
        this.format.escape,
      );
    const range = derived[name];
    if (range) return decodeValue(buf.subarray(range[0], range[1]), this.format.escape);
    return undefined;
  }

  /** Takes what the engine counted into this Analyzer's own structures (the summary reads those). */
  private takeEngineCounts(engine: ScanEngine): void {
    engine.restoreTops(this.top, this.ipDistinct, this.pathDistinct);
    const counts: EngineCounts = engine.counts();
    this.requestCount = counts.requests;
    this.byteTotal[0] = counts.bytes;
    this.firstTime = counts.firstTime;
    this.lastTime = counts.lastTime;
    this.status.set(counts.status);
    const take = (into: DDSketch, from: DDSketch) => {
      into.reset();
      into.merge(from);
    };
    for (let i = 0; i < 5; i++) {
      take(this.requestTimeByClass[i] as DDSketch, counts.requestTime[i] as DDSketch);
      take(this.upstreamTimeByClass[i] as DDSketch, counts.upstreamTime[i] as DDSketch);
    }
    take(this.requestTimeUnclassed, counts.requestTime[5] as DDSketch);
    take(this.upstreamTimeUnclassed, counts.upstreamTime[5] as DDSketch);
    this.pathSketches.length = 0;
    for (const [slot, sketch] of counts.pathSketches) this.pathSketches[slot] = sketch;
    this.buckets.clear();
    for (const bucket of counts.buckets) this.buckets.set(bucket.t, bucket);
    this.lastBucket = undefined;
    this.bucketSeconds = counts.bucketSeconds;
    this.methods.restore(counts.methods, this.engineNames.methods);
    this.protocols.restore(counts.protocols, this.engineNames.protocols);
  }

  summary(sources: string[]): Summary {
    if (this.engine) this.takeEngineCounts(this.engine);
    // Sorted once per table: the path table's entries also give the per-path latency below.
    const sorted = {} as Record<TopName, HeavyHitter[]>;
    const top = {} as Record<TopName, TopState>;
    for (const name of topNames) {
      const sketch = this.top[name];
      sorted[name] = sketch.entries();
      top[name] = {
        capacity: sketch.capacity,
        total: sketch.total,
        min: sketch.minCount(),
        entries: sorted[name].map((e) => ({
          key: bytesToLatin1(e.key),
          count: e.count,
          error: e.error,
        })),
      };
    }
    const status: Record<string, number> = {};
    this.status.forEach((count, code) => {
      if (count > 0) status[String(code)] = count;
    });
    const latency = (unclassed: DDSketch, byClass: DDSketch[]): LatencyState => {
      const all = new DDSketch();
      all.merge(unclassed);
      const classes: Record<string, SketchState> = {};
      byClass.forEach((sketch, i) => {
        all.merge(sketch);
        if (sketch.count > 0) classes[`${i + 1}xx`] = sketchToState(sketch);
      });
      return { all: sketchToState(all), byClass: classes };
    };
    const buckets: BucketState[] = [...this.buckets.values()]
      .sort((a, b) => a.t - b.t)
      .map((b) => ({
        t: b.t,
        requests: b.requests,
        bytes: b.bytes,
        classes: [...b.classes],
        requestTime: sketchToState(b.requestTime),
      }));
    // Per-path latency of the heaviest paths, aligned with their entries.
    const pathEntries = sorted.path.slice(0, pathLatencyKept);
    const compactState = (sketch: DDSketch | undefined): SketchState =>
      sketch ? sketchToState(sketch) : { count: 0, zeros: 0, sum: 0, max: 0, bins: [] };
    return {
      version: summaryVersion,
      format: this.format.text,
      escape: this.format.escape,
      has: {
        time: this.iTime >= 0 && this.tracks.timeline,
        requestTime: this.iRequestTime >= 0 && this.tracks.latency,
        upstreamTime: this.iUpstreamTime >= 0 && this.tracks.latency,
        userAgent: this.iAgent >= 0 && this.tracks.agents,
        referer: this.iReferer >= 0 && this.tracks.referers,
        ips: this.iAddr >= 0 && this.tracks.ips,
        paths: this.tracks.paths,
      },
      sources,
      lines: this.lines,
      bad: this.bad,
      filtered: this.filtered,
      requests: this.requests,
      bytes: this.bytes,
      firstTime: Number.isFinite(this.firstTime) ? this.firstTime : null,
      lastTime: Number.isFinite(this.lastTime) ? this.lastTime : null,
      status,
      methods: this.methods.toRecord(),
      protocols: this.protocols.toRecord(),
      bucketSeconds: this.bucketSeconds,
      bucketAuto: this.autoBucket,
      buckets,
      top,
      distinct: { ip: hllToBase64(this.ipDistinct), path: hllToBase64(this.pathDistinct) },
      latency: {
        request: latency(this.requestTimeUnclassed, this.requestTimeByClass),
        upstream: latency(this.upstreamTimeUnclassed, this.upstreamTimeByClass),
      },
      pathLatency: {
        top: {
          capacity: pathLatencyKept,
          total: this.top.path.total,
          min: sorted.path[pathLatencyKept]?.count ?? this.top.path.minCount(),
          entries: pathEntries.map((e) => ({
            key: bytesToLatin1(e.key),
            count: e.count,
            error: e.error,
          })),
        },
        sketches: pathEntries.map((e) => compactState(this.pathSketches[e.slot])),
      },
      badExamples: [...this.badExamples],
    };
  }
}

/** The current line's fields, materialised only when asked (exports, --where). */
export class RecordView {
  constructor(private readonly analyzer: Analyzer) {}

  field(name: string): string | undefined {
    return this.analyzer.field(name);
  }

  get time(): number {
    return this.analyzer.time;
  }

  get variables(): string[] {
    return this.analyzer.format.variables;
  }
}
