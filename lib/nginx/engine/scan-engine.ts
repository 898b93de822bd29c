/**
 * The WebAssembly line scanner (assembly/scan.ts, built into scan.wasm by build-engine.ts): one
 * instance per Analyzer, with the read buffer in its memory so lines are scanned where they
 * were read. Undefined where it cannot run (no WebAssembly, OPSCTL_NGINX_WASM=0): the Analyzer
 * then scans in JavaScript, with the same results.
 */
import { readFileSync } from "node:fs";
import type { LogFormat } from "../format.ts";
import { LineScanner } from "../scanner.ts";
import { valueSources } from "../variables.ts";
import scanWasmPath from "./scan.wasm" with { type: "file" };

/** Offsets of a record's int32 and float64 fields (assembly/scan.ts says the same). */
export const recordField = {
  kind: 0,
  lineStart: 1,
  lineEnd: 2,
  line: 3,
  status: 4,
  addrStart: 5,
  addrEnd: 6,
  addrHash: 7,
  methodStart: 8,
  methodEnd: 9,
  protocolStart: 10,
  protocolEnd: 11,
  uriStart: 12,
  pathEnd: 13,
  uriEnd: 14,
  pathHash: 15,
  uriHash: 16,
  agentStart: 17,
  agentEnd: 18,
  agentHash: 19,
  refererStart: 20,
  refererEnd: 21,
  refererHash: 22,
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
  memory: WebAssembly.Memory;
  buffer(capacity: number): number;
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

export class ScanEngine {
  /** The read buffer, in the instance's memory: feed() only scans lines that are in it. */
  readonly buffer: Uint8Array;
  readonly ints: Int32Array;
  readonly floats: Float64Array;
  readonly intsPerRecord: number;
  readonly floatsPerRecord: number;
  private readonly exports: ScanExports;

  private constructor(exports: ScanExports, capacity: number, format: LogFormat) {
    this.exports = exports;
    const memory = exports.memory.buffer;
    const at = exports.buffer(capacity);
    this.buffer = new Uint8Array(memory, at, capacity);
    const max = exports.maxRecords();
    this.intsPerRecord = exports.recordInts();
    this.floatsPerRecord = exports.recordFloatCount();
    this.ints = new Int32Array(memory, exports.records(), max * this.intsPerRecord);
    this.floats = new Float64Array(memory, exports.recordFloats(), max * this.floatsPerRecord);
    this.configure(format);
  }

  /** An engine for `format` with a read buffer of `capacity` bytes, or undefined. */
  static create(format: LogFormat, capacity: number): ScanEngine | undefined {
    if (process.env.OPSCTL_NGINX_WASM === "0") return undefined;
    const module = scanModule();
    if (!module || format.variables.length > 64) return undefined;
    let literalBytes = 0;
    for (const literal of format.literals) literalBytes += literal.length;
    if (format.leading.length > 256 || literalBytes > 4096) return undefined;
    try {
      const instance = new WebAssembly.Instance(module, { env: { abort: failed } });
      return new ScanEngine(instance.exports as unknown as ScanExports, capacity, format);
    } catch {
      return undefined;
    }
  }

  /** Scans buffer[start, end) until the records are full; returns how many it wrote. */
  scan(start: number, end: number): number {
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

  private configure(format: LogFormat): void {
    const exports = this.exports;
    const memory = new Uint8Array(exports.memory.buffer);
    const areas = new Uint32Array(exports.memory.buffer, exports.formatAreas(), 5);
    const [leading, kinds, literalStarts, literalLengths, literals] = [...areas];
    memory.set(format.leading, leading);
    const scanner = new LineScanner(format);
    const starts = new Int32Array(exports.memory.buffer, literalStarts as number, 64);
    const lengths = new Int32Array(exports.memory.buffer, literalLengths as number, 64);
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
