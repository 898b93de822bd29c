/**
 * nginxlog's WebAssembly engine (assembly/scan.ts, built into scan.wasm by build-engine.ts): one
 * instance per Analyzer, its read buffer inside the instance's memory so lines are counted where
 * they were read. scan() counts every line there (tables, sketches, totals, timeline); what needs
 * JavaScript comes back as events (bad lines for the examples, new method and protocol names),
 * and the Analyzer copies the counts back for its summary (engine-state.ts). Undefined where it
 * cannot run (no WebAssembly, OPSCTL_NGINX_WASM=0, a --capacity too large for 32-bit memory):
 * the Analyzer then does it all in JavaScript, with the same results.
 */
import { readFileSync } from "node:fs";
import type { LogFormat } from "../format.ts";
import { maxLineBytes } from "../reader.ts";
import type { LineScanner } from "../scanner.ts";
import { binOfMillis, DDSketch, millisBins } from "../sketch/ddsketch.ts";
import type { HyperLogLog } from "../sketch/hyperloglog.ts";
import type { SpaceSaving } from "../sketch/space-saving.ts";
import type { TopName } from "../summary.ts";
import type { ValueRole } from "../variables.ts";
import {
  bucketsAt,
  type EngineBucket,
  memoryViews,
  type SmallCountsState,
  sketchAt,
  sketchBytes,
  sketchChunkBytes,
  sketchChunks,
  smallCountsAt,
  tableState,
} from "./engine-state.ts";
import scanWasmPath from "./scan.wasm" with { type: "file" };

/** Event types (assembly/scan.ts): 1-3 a bad line (bad-reasons.ts), 4 a new method, 5 a new protocol. */
export const eventMethod = 4;
export const eventProtocol = 5;

interface ScanExports {
  buffer(capacity: number): number;
  growBuffer(capacity: number, keep: number): number;
  scratch(capacity: number): number;
  bufferLength(length: number): void;
  tables(capacity: number, tracked: number, maxBuckets: number, bucketSeconds: number): number;
  millisBinTable(): number;
  timelineState(): number;
  formatAreas(): number;
  configure(...indexes: number[]): void;
  scan(buf: number, start: number, end: number): void;
  stopped(): number;
  passed(): number;
  eventArea(): number;
  eventsWritten(): number;
}

let compiled: WebAssembly.Module | null | undefined;

/** Lines this thread's engines have counted: `--log-level debug` reports it (tests check which way lines went). */
let linesScanned = 0;
export function wasmLinesScanned(): number {
  return linesScanned;
}

/**
 * The compiled module, for a Worker (range.ts posts it with a job): sharing it shares its
 * compiled code, so a Worker neither compiles it again nor warms up its optimised tier alone.
 */
export function sharedScanModule(): WebAssembly.Module | undefined {
  return scanModule();
}

/** Takes the module a job brought (a Worker: see sharedScanModule). */
export function adoptScanModule(module: WebAssembly.Module): void {
  compiled ??= module;
}

function scanModule(): WebAssembly.Module | undefined {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(readFileSync(scanWasmPath));
    } catch {
      compiled = null;
    }
  }
  return compiled ?? undefined;
}

const timeKinds: Record<string, number> = { time_local: 1, time_iso8601: 2, msec: 3 };

/** The Analyzer's reading of its format: the engine scans and reads exactly what it would. */
export interface FormatLayout {
  format: LogFormat;
  /** How each variable's end is found (scanner.kindOf). */
  scanner: LineScanner;
  /** The variable each value comes from (variables.ts valueIndexes). */
  roles: Record<ValueRole, number>;
}

/** Table groups the engine counts (bit per group, as assembly/scan.ts's tables() reads them). */
export interface TrackedGroups {
  ips: boolean;
  paths: boolean;
  agents: boolean;
  referers: boolean;
  latency: boolean;
  timeline: boolean;
}

/** The timeline's starting width and how many buckets it keeps before it widens. */
export interface TimelineSettings {
  seconds: number;
  maxBuckets: number;
}

/** Everything the engine counted, read back (EngineRun.counts). */
export interface EngineCounts {
  lines: number;
  bad: number;
  requests: number;
  bytes: number;
  firstTime: number;
  lastTime: number;
  status: Float64Array;
  /** 1xx-5xx, then the lines without a status class. */
  requestTime: DDSketch[];
  upstreamTime: DDSketch[];
  pathSketches: Map<number, DDSketch>;
  buckets: EngineBucket[];
  bucketSeconds: number;
  methods: SmallCountsState;
  protocols: SmallCountsState;
}

/** Bytes assembly/space-saving.ts allocates for one table (newTable), rounded up generously. */
function tableBytes(capacity: number, maxKeyBytes: number): number {
  let tableSize = 16;
  while (tableSize < capacity * 4) tableSize *= 2;
  return 128 + (4 << 16) + capacity * (3 * 8 + 4 * 4 + maxKeyBytes) + tableSize * 4 + 16 * 16;
}

/** Largest memory the engine may grow to (wasm32 addresses 4 GiB). */
const maxMemoryBytes = 2 ** 31;

/** A list of u32 addresses tables() returns, by name (assembly/scan.ts's order). */
const listed = {
  ip: 0,
  path: 1,
  pathQuery: 2,
  statusPath: 3,
  userAgent: 4,
  referer: 5,
  ipRegisters: 6,
  pathRegisters: 7,
  pathSketches: 8,
  methods: 9,
  protocols: 10,
  totals: 11,
  buckets: 12,
} as const;

export class ScanEngine {
  /** The read buffer (a view renewed when the memory grows). */
  buffer: Uint8Array;
  /** What the last scan() read, as a view valid now (the memory may have grown during it). */
  scanned: Uint8Array = new Uint8Array(0);
  /** The read buffer goes to one reader only (a second one's lines are copied to scratch). */
  private handedOut = false;
  /** The events of the last scan. */
  events: Int32Array;
  private readonly exports: ScanExports;
  private readonly memory: WebAssembly.Memory;
  private seenMemory: ArrayBuffer;
  /** Views of the read buffer made before it moved or the memory grew (LineFeeder may hold one). */
  private readonly former = new WeakSet<Uint8Array>();
  private bufferAt: number;
  /** The read buffer's length (a detached view's length reads 0). */
  private bufferSize: number;
  /** tables()' list of addresses (fixed once the tables are made). */
  private readonly addresses: Uint32Array;
  /** countAreas' list: the totals, the status counts, the 12 latency sketches. */
  private readonly countAddresses: Uint32Array;
  /** The totals, a view renewed with the others (read twice per scan(): a view made per read cost ~1 µs each). */
  private totalsView: Float64Array;
  private readonly topCapacity: number;

  private constructor(
    exports: ScanExports,
    memory: WebAssembly.Memory,
    layout: FormatLayout,
    capacity: number,
    topCapacity: number,
    tracked: TrackedGroups,
    timeline: TimelineSettings,
  ) {
    this.exports = exports;
    this.memory = memory;
    this.topCapacity = topCapacity;
    new Uint16Array(memory.buffer, exports.millisBinTable(), 65536).set(millisBins);
    const list = exports.tables(
      topCapacity,
      (tracked.ips ? 1 : 0) |
        (tracked.paths ? 2 : 0) |
        (tracked.agents ? 4 : 0) |
        (tracked.referers ? 8 : 0) |
        (tracked.latency ? 16 : 0) |
        (tracked.timeline ? 32 : 0),
      timeline.maxBuckets,
      timeline.seconds,
    );
    this.addresses = new Uint32Array(memory.buffer, list, 13).slice();
    this.countAddresses = new Uint32Array(memory.buffer, this.address("totals"), 3).slice();
    this.bufferAt = exports.buffer(capacity);
    this.bufferSize = capacity;
    this.seenMemory = memory.buffer;
    this.totalsView = new Float64Array(memory.buffer, this.countAddresses[0] as number, 6);
    this.buffer = new Uint8Array(memory.buffer, this.bufferAt, capacity);
    this.events = new Int32Array(memory.buffer, exports.eventArea(), 1024 * 4);
    this.configure(layout);
  }

  /**
   * An engine for the Analyzer's format with a read buffer of `capacity` bytes, counting top-K
   * tables of `topCapacity` counters and the groups in `tracked`; or undefined.
   */
  static create(
    layout: FormatLayout,
    capacity: number,
    topCapacity: number,
    tracked: TrackedGroups,
    timeline: TimelineSettings,
  ): ScanEngine | undefined {
    if (process.env.OPSCTL_NGINX_WASM === "0") return undefined;
    const { format } = layout;
    const module = scanModule();
    if (!module || format.variables.length > 64) return undefined;
    let literalBytes = 0;
    for (const literal of format.literals) literalBytes += literal.length;
    if (format.leading.length > 256 || literalBytes > 4096) return undefined;
    const small = Math.min(topCapacity, 1024);
    const bytes =
      (1 << 20) + // static data, events, registers, sets, totals, millisecond bins
      capacity +
      (timeline.maxBuckets + 1) * (64 + sketchBytes) +
      (1 << 17) + // the timeline's map
      topCapacity * sketchBytes +
      tableBytes(topCapacity, 64) +
      2 * tableBytes(topCapacity, 256) +
      tableBytes(Math.min(topCapacity, 2048), 260) +
      2 * tableBytes(small, 256);
    // What the memory may grow to on any input: every sketch (the path table's, the timeline's,
    // the 12 by status class) at its fullest, chunks from a pool; a long line's read buffer and
    // another reader's scratch region, each doubling up to maxLineBytes (old regions are not
    // reused). A growth past the limit traps mid-line, where the JavaScript path would count on:
    // such settings (a --capacity of about 200000 or more) take the JavaScript path instead.
    const sketches = topCapacity + timeline.maxBuckets + 1 + 12;
    const growth = sketches * sketchChunks * sketchChunkBytes + 4 * maxLineBytes;
    if (bytes + growth > maxMemoryBytes) return undefined;
    try {
      // Only what ordinary lines need to start with; sketches and a long line's buffer grow it.
      // (Reserving 64 MiB for a long line up front made JSC collect garbage late: a .gz run
      // peaked at 364 MiB.)
      const memory = new WebAssembly.Memory({
        initial: Math.ceil(bytes / 65536),
        maximum: maxMemoryBytes / 65536,
      });
      const instance = new WebAssembly.Instance(module, {
        env: { memory, abort: failed, binOfMillis },
      });
      return new ScanEngine(
        instance.exports as unknown as ScanExports,
        memory,
        layout,
        capacity,
        topCapacity,
        tracked,
        timeline,
      );
    } catch {
      return undefined;
    }
  }

  /** New views after the memory grew (the old ones are detached). */
  private renew(): void {
    const memory = this.memory.buffer;
    if (memory !== this.seenMemory) {
      this.seenMemory = memory;
      this.former.add(this.buffer);
      this.buffer = new Uint8Array(memory, this.bufferAt, this.bufferSize);
      this.events = new Int32Array(memory, this.exports.eventArea(), 1024 * 4);
      this.totalsView = new Float64Array(memory, this.countAddresses[0] as number, 6);
    }
  }

  /**
   * The read buffer grown to `length` bytes for a long line, its bytes kept. Undefined when the
   * memory cannot grow that far.
   */
  grow(length: number): Uint8Array | undefined {
    try {
      this.bufferAt = this.exports.growBuffer(length, this.bufferSize);
    } catch {
      return undefined;
    }
    this.bufferSize = length;
    this.former.add(this.buffer);
    this.buffer = new Uint8Array(this.memory.buffer, this.bufferAt, length);
    this.renew();
    return this.buffer;
  }

  /** The read buffer, for the first reader that asks (a LineFeeder reads into it); then undefined. */
  handOut(length: number): Uint8Array | undefined {
    if (this.handedOut || length !== this.bufferSize) return undefined;
    this.handedOut = true;
    return this.buffer;
  }

  /** `bytes` copied into the scratch region (never the read buffer: its reader may hold a partial line there). */
  copyIn(bytes: Uint8Array): Uint8Array {
    let at: number;
    try {
      at = this.exports.scratch(bytes.length);
    } catch {
      throw new Error(`no memory for ${bytes.length} bytes of lines`);
    }
    this.renew();
    const target = new Uint8Array(this.memory.buffer, at, bytes.length);
    target.set(bytes);
    return target;
  }

  /** True when `buf` is a view of this engine's memory (the read buffer or scratch), as it is now. */
  owns(buf: Uint8Array): boolean {
    return buf.buffer === this.memory.buffer;
  }

  /** `buf` as it is now: a view of the read buffer handed out before the memory grew is renewed. */
  current(buf: Uint8Array): Uint8Array {
    return this.former.has(buf) ? this.buffer : buf;
  }

  /**
   * Counts the lines of buf[start, end) (buf: a view of the read buffer) until the events are
   * nearly full; then events holds eventsWritten() of them.
   */
  scan(buf: Uint8Array, start: number, end: number): number {
    const at = buf.byteOffset;
    const length = buf.length;
    this.exports.bufferLength(length);
    const before = this.lineCount();
    this.exports.scan(at, start, end);
    this.renew();
    this.scanned =
      buf.buffer === this.memory.buffer ? buf : new Uint8Array(this.memory.buffer, at, length);
    linesScanned += this.lineCount() - before;
    return this.exports.eventsWritten();
  }

  /** Where the last scan stopped, and how many lines (empty ones too) it went past. */
  stopped(): number {
    return this.exports.stopped();
  }
  passed(): number {
    return this.exports.passed();
  }

  private address(name: keyof typeof listed): number {
    return this.addresses[listed[name]] as number;
  }

  private totals(): Float64Array {
    this.renew();
    return this.totalsView;
  }

  /** Lines counted so far (not bad). */
  requestCount(): number {
    return this.totals()[0] as number;
  }
  lineCount(): number {
    return this.totals()[4] as number;
  }
  badCount(): number {
    return this.totals()[5] as number;
  }

  /** Copies the engine's top-K tables and distinct counters into the Analyzer's. */
  restoreTops(top: Record<TopName, SpaceSaving>, ips: HyperLogLog, paths: HyperLogLog): void {
    const memory = this.memory.buffer;
    for (const name of ["ip", "path", "pathQuery", "statusPath", "userAgent", "referer"] as const)
      (top[name] as SpaceSaving).restore(tableState(memory, this.address(name)));
    ips.registers.set(new Uint8Array(memory, this.address("ipRegisters"), ips.registers.length));
    paths.registers.set(
      new Uint8Array(memory, this.address("pathRegisters"), paths.registers.length),
    );
  }

  /** Everything else the engine counted. */
  counts(): EngineCounts {
    const memory = this.memory.buffer;
    const views = memoryViews(memory);
    const totals = this.totals();
    const [, statusAt, sketchesAt] = this.countAddresses;
    const sketch = (index: number) =>
      sketchAt(views, (sketchesAt as number) + index * sketchBytes) ?? new DDSketch();
    const pathSketches = new Map<number, DDSketch>();
    const pathsAt = this.address("pathSketches");
    for (let slot = 0; slot < this.topCapacity; slot++) {
      const found = sketchAt(views, pathsAt + slot * sketchBytes);
      if (found) pathSketches.set(slot, found);
    }
    const [bucketCount, bucketSeconds] = new Float64Array(memory, this.exports.timelineState(), 2);
    return {
      requests: totals[0] as number,
      bytes: totals[1] as number,
      firstTime: totals[2] as number,
      lastTime: totals[3] as number,
      lines: totals[4] as number,
      bad: totals[5] as number,
      status: new Float64Array(memory, statusAt as number, 600).slice(),
      requestTime: [0, 1, 2, 3, 4, 5].map(sketch),
      upstreamTime: [6, 7, 8, 9, 10, 11].map(sketch),
      pathSketches,
      buckets: bucketsAt(views, this.address("buckets"), bucketCount as number),
      bucketSeconds: bucketSeconds as number,
      methods: smallCountsAt(memory, this.address("methods")),
      protocols: smallCountsAt(memory, this.address("protocols")),
    };
  }

  private configure({ format, scanner, roles }: FormatLayout): void {
    const exports = this.exports;
    const memory = new Uint8Array(this.memory.buffer);
    const areas = new Uint32Array(this.memory.buffer, exports.formatAreas(), 5);
    const [leading, kinds, literalStarts, literalLengths, literals] = [...areas];
    memory.set(format.leading, leading);
    const starts = new Int32Array(this.memory.buffer, literalStarts as number, 64);
    const lengths = new Int32Array(this.memory.buffer, literalLengths as number, 64);
    let offset = 0;
    format.literals.forEach((literal, i) => {
      memory[(kinds as number) + i] = scanner.kindOf(i);
      starts[i] = offset;
      lengths[i] = literal.length;
      memory.set(literal, (literals as number) + offset);
      offset += literal.length;
    });
    exports.configure(
      format.variables.length,
      format.leading.length,
      roles.addr,
      roles.time,
      roles.time < 0 ? 0 : (timeKinds[format.variables[roles.time] as string] as number),
      roles.request,
      roles.method,
      roles.uri,
      roles.protocol,
      roles.status,
      roles.bytes,
      roles.referer,
      roles.agent,
      roles.requestTime,
      roles.upstreamTime,
    );
  }
}

function failed(): never {
  throw new Error("nginxlog's WebAssembly engine failed an internal check");
}
