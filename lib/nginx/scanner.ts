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
/** Values long enough that memchr's call overhead pays off. */
const longVariables = new Set([
  "http_user_agent",
  "request",
  "request_uri",
  "http_cookie",
  "args",
  "query_string",
]);
/** Quoted values (request, referer, user agent) are long: native memchr (indexOf) beats a JS loop. */
const kindQuoted = 4;

type CompiledScan = (
  buf: Uint8Array,
  start: number,
  end: number,
  starts: Int32Array,
  ends: Int32Array,
) => boolean;

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
            : quoted && longVariables.has(format.variables[i] as string)
              ? kindQuoted
              : listVariables.has(format.variables[i] as string) && literal[0] === space
                ? kindList
                : kindPlain;
    }
    this.compiled = this.generate();
  }

  /** How variable i's end is found (the WebAssembly scanner takes the same kinds). */
  kindOf(i: number): number {
    return this.kinds[i] as number;
  }

  /** Fills starts/ends for buf[start, end) (end excludes the newline); false if the line does not fit. */
  scan(buf: Uint8Array, start: number, end: number): boolean {
    return this.compiled(buf, start, end, this.starts, this.ends);
  }

  /**
   * The format compiled to straight-line JavaScript (literals and field kinds inlined as
   * constants): about twice as fast as walking the segment arrays for every line.
   */
  private readonly compiled: CompiledScan;

  private generate(): CompiledScan {
    const code: string[] = ["let pos = start; let p = 0; let b = 0;"];
    this.leading.forEach((byte) => {
      code.push(`if (pos >= end || buf[pos] !== ${byte}) return false; pos++;`);
    });
    for (let i = 0; i < this.count; i++) {
      code.push(`starts[${i}] = pos;`);
      const kind = this.kinds[i];
      if (kind === kindLast) {
        code.push(`ends[${i}] = end; return true;`);
        return new Function("buf", "start", "end", "starts", "ends", code.join("\n")) as never;
      }
      const literal = this.literals[i] as Uint8Array;
      const first = literal[0] as number;
      const rest = [...literal.subarray(1)].map((byte, k) => `buf[p + ${k + 1}] === ${byte}`);
      const find =
        kind === kindQuotedJson
          ? `while (p < end) { b = buf[p]; if (b === ${backslash}) p += 2; else if (b === ${first}) break; else p++; }`
          : kind === kindQuoted
            ? `p = buf.indexOf(${first}, p); if (p < 0 || p > end) p = end;`
            : kind === kindList
              ? `while (p < end && buf[p] !== ${first}) p++;
                 if (p < end && p > pos) {
                   if (buf[p - 1] === ${comma}) { p++; continue; }
                   if (buf[p + 1] === ${colon} && buf[p + 2] === ${space}) { p += 3; continue; }
                 }`
              : `while (p < end && buf[p] !== ${first}) p++;`;
      code.push(`p = pos;
for (;;) {
  ${find}
  if (p + ${literal.length} > end) return false;
  ${rest.length ? `if (${rest.join(" && ")}) break; p++;` : "break;"}
}
ends[${i}] = p; pos = p + ${literal.length};`);
    }
    code.push("return pos === end;");
    return new Function("buf", "start", "end", "starts", "ends", code.join("\n")) as never;
  }
}
