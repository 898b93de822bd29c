/**
 * nginxlog's WebAssembly engine (assembly/scan.ts, built into scan.wasm by build-engine.ts): one
 * instance per Analyzer, in a memory sized here for its top-K tables and the longest line, with
 * the read buffer inside it so lines are scanned where they were read. It scans each line and
 * offers it to the top-K tables and distinct counters; the Analyzer counts the rest from its
 * records and copies the tables back for the summary (restoreInto). Undefined where it cannot
 * run (no WebAssembly, OPSCTL_NGINX_WASM=0, a --capacity too large for 32-bit memory): the
 * Analyzer then does it all in JavaScript, with the same results.
 */
import { readFileSync } from "node:fs";
import type { LogFormat } from "../format.ts";
import { LineScanner } from "../scanner.ts";
import { binCount, binOfMillis, DDSketch, millisBins } from "../sketch/ddsketch.ts";
import type { HyperLogLog } from "../sketch/hyperloglog.ts";
import type { SpaceSaving, SpaceSavingState } from "../sketch/space-saving.ts";
import type { TopName } from "../summary.ts";
import { valueSources } from "../variables.ts";
import scanWasmPath from "./scan.wasm" with { type: "file" };

/** Offsets of a record's int32 and float64 fields (assembly/scan.ts says the same). */
export const recordField = {
  kind: 0,
  lineStart: 1,
  lineEnd: 2,
  line: 3,
  status: 4,
  methodStart: 5,
  methodEnd: 6,
  protocolStart: 7,
  protocolEnd: 8,
  uriStart: 9,
  pathEnd: 10,
  uriEnd: 11,
  pathHash: 12,
  uriHash: 13,
  pathSlot: 14,
  pathReplaced: 15,
} as const;
export const recordFloat = { time: 0, size: 1, requestMillis: 2, upstreamMillis: 3 } as const;

/** Why a record's line is bad, by its kind (0 = counted). */
export const badReasons = [
  "",
  "does not match the log format",
  "status is not a 3-digit code",
  "time is not a valid nginx time",
] as const;

interface ScanExports {
  countAreas(bins: number): number;
  buffer(capacity: number): number;
  bufferLength(length: number): void;
  tables(capacity: number, tracked: number): number;
  formatAreas(): number;
  configure(...indexes: number[]): void;
  scan(start: number, end: number): number;
  stopped(): number;
  passed(): number;
  records(): number;
  recordFloats(): number;
  recordInts(): number;
  recordFloatCount(): number;
  maxRecords(): number;
}

let compiled: WebAssembly.Module | null | undefined;

/** Lines this thread's engines have scanned: `--log-level debug` reports it (tests check which way lines went). */
let linesScanned = 0;
export function wasmLinesScanned(): number {
  return linesScanned;
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

/** Table groups the engine counts (bit per group, as assembly/scan.ts's tables() reads them). */
export interface TrackedTops {
  ips: boolean;
  paths: boolean;
  agents: boolean;
  referers: boolean;
  latency: boolean;
}

/** What assembly/counts.ts counted: countLine's totals and the latency by status class. */
export interface EngineTotals {
  requests: number;
  bytes: number;
  firstTime: number;
  lastTime: number;
  status: Float64Array;
  /** 1xx-5xx, then the lines without a status class. */
  requestTime: DDSketch[];
  upstreamTime: DDSketch[];
}

/** Bytes assembly/space-saving.ts allocates for one table (newTable), rounded up generously. */
function tableBytes(capacity: number, maxKeyBytes: number): number {
  let tableSize = 16;
  while (tableSize < capacity * 4) tableSize *= 2;
  return 128 + (4 << 16) + capacity * (3 * 8 + 4 * 4 + maxKeyBytes) + tableSize * 4 + 16 * 16;
}

/** Largest memory the engine takes (wasm32 addresses 4 GiB; a --capacity past this runs in JavaScript). */
const maxMemoryBytes = 2 ** 31;

/** The field layout of assembly/space-saving.ts's Table (an @unmanaged class: declaration order, natural alignment). */
const tableLayout = {
  capacity: 0,
  maxKeyBytes: 4,
  size: 8,
  replaced: 12,
  mask: 16,
  filterShift: 20,
  total: 24,
  counts: 32,
  errors: 36,
  ranks: 40,
  keys: 44,
  lengths: 48,
  heap: 52,
  position: 56,
  table: 60,
  filter: 64,
  arena: 68,
} as const;

export class ScanEngine {
  /** The read buffer, in the instance's memory: feed() only scans lines that are in it. */
  buffer: Uint8Array;
  /** The records of the last scan (views, renewed when the memory grows). */
  ints: Int32Array;
  floats: Float64Array;
  readonly intsPerRecord: number;
  readonly floatsPerRecord: number;
  private readonly exports: ScanExports;
  private readonly memory: WebAssembly.Memory;
  private readonly bufferAt: number;
  private readonly reserved: number;
  private readonly tableList: number;
  private readonly countList: number;

  private constructor(
    exports: ScanExports,
    memory: WebAssembly.Memory,
    format: LogFormat,
    capacity: number,
    reserved: number,
    topCapacity: number,
    tracked: TrackedTops,
  ) {
    this.exports = exports;
    this.memory = memory;
    this.reserved = reserved;
    this.tableList = exports.tables(
      topCapacity,
      (tracked.ips ? 1 : 0) |
        (tracked.paths ? 2 : 0) |
        (tracked.agents ? 4 : 0) |
        (tracked.referers ? 8 : 0) |
        (tracked.latency ? 16 : 0),
    );
    this.countList = exports.countAreas(binCount);
    const [, , , millisAt] = new Uint32Array(memory.buffer, this.countList, 4);
    new Uint16Array(memory.buffer, millisAt as number, 65536).set(millisBins);
    // Allocated last, so a long line can grow the memory and the buffer with it in place.
    this.bufferAt = exports.buffer(capacity);
    this.intsPerRecord = exports.recordInts();
    this.floatsPerRecord = exports.recordFloatCount();
    this.buffer = this.view(capacity);
    this.ints = new Int32Array(0);
    this.floats = new Float64Array(0);
    this.renewRecords();
    this.configure(format);
  }

  /**
   * An engine for `format` with a read buffer of `capacity` bytes that long lines may grow up to
   * `reserved`, counting top-K tables of `topCapacity` counters; or undefined.
   */
  static create(
    format: LogFormat,
    capacity: number,
    reserved: number,
    topCapacity: number,
    tracked: TrackedTops,
  ): ScanEngine | undefined {
    if (process.env.OPSCTL_NGINX_WASM === "0") return undefined;
    const module = scanModule();
    if (!module || format.variables.length > 64) return undefined;
    let literalBytes = 0;
    for (const literal of format.literals) literalBytes += literal.length;
    if (format.leading.length > 256 || literalBytes > 4096) return undefined;
    const small = Math.min(topCapacity, 1024);
    const bytes =
      (1 << 20) + // static data, records, two 16 KiB register arrays
      capacity +
      tableBytes(topCapacity, 64) +
      2 * tableBytes(topCapacity, 256) +
      tableBytes(Math.min(topCapacity, 2048), 260) +
      2 * tableBytes(small, 256);
    if (bytes + reserved > maxMemoryBytes) return undefined;
    try {
      // Only what a run with ordinary lines needs: a larger memory (reserved for a 64 MiB line)
      // made JSC count it as live memory and collect garbage late (a .gz run peaked at 364 MiB).
      const memory = new WebAssembly.Memory({
        initial: Math.ceil(bytes / 65536),
        maximum: Math.ceil((bytes + reserved) / 65536),
      });
      const instance = new WebAssembly.Instance(module, {
        env: { memory, abort: failed, binOfMillis },
      });
      return new ScanEngine(
        instance.exports as unknown as ScanExports,
        memory,
        format,
        capacity,
        reserved,
        topCapacity,
        tracked,
      );
    } catch {
      return undefined;
    }
  }

  /** The read buffer's first `length` bytes (at most its present size). */
  private view(length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.bufferAt, length);
  }

  private renewRecords(): void {
    const memory = this.memory.buffer;
    const max = this.exports.maxRecords();
    this.ints = new Int32Array(memory, this.exports.records(), max * this.intsPerRecord);
    this.floats = new Float64Array(memory, this.exports.recordFloats(), max * this.floatsPerRecord);
  }

  /**
   * The read buffer grown to `length` bytes for a long line, its bytes kept (the memory grows
   * behind it; the old views are detached). Undefined past the reserve.
   */
  grow(length: number): Uint8Array | undefined {
    if (length > this.reserved) return undefined;
    const missing = this.bufferAt + length + 16 - this.memory.buffer.byteLength;
    if (missing > 0) {
      this.memory.grow(Math.ceil(missing / 65536));
      this.renewRecords();
    }
    this.buffer = this.view(length);
    return this.buffer;
  }

  /** `bytes` copied to the start of the read buffer (grown if needed); the view of them. */
  copyIn(bytes: Uint8Array): Uint8Array {
    const target =
      bytes.length <= this.buffer.length ? this.view(bytes.length) : this.grow(bytes.length);
    if (!target) throw new Error(`no memory for ${bytes.length} bytes of lines`);
    target.set(bytes);
    return target;
  }

  /** True when `buf` is a view of the read buffer from its start. */
  owns(buf: Uint8Array): boolean {
    return buf.buffer === this.memory.buffer && buf.byteOffset === this.bufferAt;
  }

  /** Scans buf[start, end) (buf: a view of the read buffer) until the records are full; returns how many it wrote. */
  scan(buf: Uint8Array, start: number, end: number): number {
    this.exports.bufferLength(buf.length);
    const records = this.exports.scan(start, end);
    linesScanned += records;
    return records;
  }

  /** Where the last scan stopped, and how many lines (empty ones too) it went past. */
  stopped(): number {
    return this.exports.stopped();
  }
  passed(): number {
    return this.exports.passed();
  }

  /** Copies the engine's top-K tables and distinct counters into the Analyzer's (for its summary). */
  restoreInto(top: Record<TopName, SpaceSaving>, ips: HyperLogLog, paths: HyperLogLog): void {
    const memory = this.memory.buffer;
    const list = new Uint32Array(memory, this.tableList, 8);
    const order: TopName[] = ["ip", "path", "pathQuery", "statusPath", "userAgent", "referer"];
    order.forEach((name, i) => {
      (top[name] as SpaceSaving).restore(this.tableState(list[i] as number));
    });
    ips.registers.set(new Uint8Array(memory, list[6] as number, ips.registers.length));
    paths.registers.set(new Uint8Array(memory, list[7] as number, paths.registers.length));
  }

  /** Lines counted so far. */
  requestCount(): number {
    const [totalsAt] = new Uint32Array(this.memory.buffer, this.countList, 1);
    return new Float64Array(this.memory.buffer, totalsAt as number, 1)[0] as number;
  }

  /** The totals and latency sketches the engine counted. */
  totals(): EngineTotals {
    const memory = this.memory.buffer;
    const [totalsAt, statusAt, sketchesAt] = new Uint32Array(memory, this.countList, 4);
    const totals = new Float64Array(memory, totalsAt as number, 4);
    const sketch = (index: number) => {
      const at = (sketchesAt as number) + index * (4 + binCount) * 8;
      const [count, zeros, sum, max] = new Float64Array(memory, at, 4);
      const result = new DDSketch(new Float64Array(memory, at + 32, binCount).slice());
      result.count = count as number;
      result.zeros = zeros as number;
      result.sum = sum as number;
      result.max = max as number;
      return result;
    };
    return {
      requests: totals[0] as number,
      bytes: totals[1] as number,
      firstTime: totals[2] as number,
      lastTime: totals[3] as number,
      status: new Float64Array(memory, statusAt as number, 600),
      requestTime: [0, 1, 2, 3, 4, 5].map(sketch),
      upstreamTime: [6, 7, 8, 9, 10, 11].map(sketch),
    };
  }

  private tableState(at: number): SpaceSavingState {
    const memory = this.memory.buffer;
    const fields = new DataView(memory, at, 72);
    const i32 = (offset: number) => fields.getInt32(offset, true);
    const address = (offset: number) => fields.getUint32(offset, true);
    const capacity = i32(tableLayout.capacity);
    const maxKeyBytes = i32(tableLayout.maxKeyBytes);
    const filterLength = 2 ** (32 - i32(tableLayout.filterShift));
    return {
      capacity,
      maxKeyBytes,
      total: fields.getFloat64(tableLayout.total, true),
      size: i32(tableLayout.size),
      replaced: i32(tableLayout.replaced),
      counts: new Float64Array(memory, address(tableLayout.counts), capacity),
      errors: new Float64Array(memory, address(tableLayout.errors), capacity),
      ranks: new Float64Array(memory, address(tableLayout.ranks), capacity),
      keys: new Int32Array(memory, address(tableLayout.keys), capacity),
      lengths: new Int32Array(memory, address(tableLayout.lengths), capacity),
      heap: new Int32Array(memory, address(tableLayout.heap), capacity),
      position: new Int32Array(memory, address(tableLayout.position), capacity),
      table: new Int32Array(memory, address(tableLayout.table), i32(tableLayout.mask) + 1),
      filter: new Uint32Array(memory, address(tableLayout.filter), filterLength),
      arena: new Uint8Array(memory, address(tableLayout.arena), capacity * maxKeyBytes),
    };
  }

  private configure(format: LogFormat): void {
    const exports = this.exports;
    const memory = new Uint8Array(this.memory.buffer);
    const areas = new Uint32Array(this.memory.buffer, exports.formatAreas(), 5);
    const [leading, kinds, literalStarts, literalLengths, literals] = [...areas];
    memory.set(format.leading, leading);
    const scanner = new LineScanner(format);
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
    const at: Record<string, number> = {};
    format.variables.forEach((name, i) => {
      if (at[name] === undefined) at[name] = i;
    });
    const index = (names: readonly string[]) => {
      for (const name of names) if (at[name] !== undefined) return at[name] as number;
      return -1;
    };
    const time = index(valueSources.time);
    exports.configure(
      format.variables.length,
      format.leading.length,
      index(valueSources.addr),
      time,
      time < 0 ? 0 : (timeKinds[format.variables[time] as string] as number),
      index(valueSources.request),
      index(valueSources.method),
      index(valueSources.uri),
      index(valueSources.protocol),
      index(valueSources.status),
      index(valueSources.bytes),
      index(valueSources.referer),
      index(valueSources.agent),
      index(valueSources.requestTime),
      index(valueSources.upstreamTime),
    );
  }
}

function failed(): never {
  throw new Error("nginxlog's WebAssembly scanner failed an internal check");
}
