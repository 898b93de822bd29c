/** Request filters (--since/--until/--status/--path-prefix/--ip/--method/--where), compiled once. */
import { parseMillis } from "./fields.ts";
import { valueSources } from "./variables.ts";

export interface FilterSpec {
  since?: number;
  until?: number;
  /** "5xx", "404", "4xx,502" */
  status?: string[];
  pathPrefix?: string[];
  /** Exact addresses or IPv4 CIDRs. */
  ip?: string[];
  method?: string[];
  /** "FIELD OP VALUE", OP one of = != ~ !~ > >= < <= (all must hold). */
  where?: string[];
}

export interface WhereClause {
  field: string;
  op: "=" | "!=" | "~" | "!~" | ">" | ">=" | "<" | "<=";
  value: string;
  regex?: RegExp;
  number?: number;
}

export interface CompiledFilter {
  active: boolean;
  since: number;
  until: number;
  /** statusAllowed[code] = 1 when the code passes (null = all). */
  statusAllowed: Uint8Array | null;
  pathPrefixes: Uint8Array[];
  ipExact: Uint8Array[];
  ipCidrs: { network: number; mask: number }[];
  methods: Uint8Array[];
  where: WhereClause[];
}

const encoder = new TextEncoder();

function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function parseWhere(text: string): WhereClause {
  const match = /^\s*\$?([A-Za-z_][A-Za-z0-9_]*)\s*(!=|!~|>=|<=|=|~|>|<)\s*(.*)$/.exec(text);
  if (!match)
    throw new Error(
      `--where "${text}": expected FIELD OP VALUE with OP one of = != ~ !~ > >= < <=`,
    );
  const [, field = "", op = "=", value = ""] = match;
  const clause: WhereClause = { field, op: op as WhereClause["op"], value };
  if (op === "~" || op === "!~") {
    try {
      clause.regex = new RegExp(value);
    } catch (error) {
      throw new Error(`--where "${text}": bad regular expression: ${(error as Error).message}`);
    }
  }
  if (op === ">" || op === ">=" || op === "<" || op === "<=") {
    // Number("") and Number(" ") are 0: an empty value would compare against 0, not be refused.
    const number = value.trim() === "" ? Number.NaN : Number(value);
    if (!Number.isFinite(number)) throw new Error(`--where "${text}": ${op} needs a number`);
    clause.number = number;
  }
  return clause;
}

/**
 * Fields --where takes besides the format's variables: the parts of $request (Analyzer.field),
 * with the variables the Analyzer takes each from when the format has no $request.
 */
const methodSources = [...valueSources.request, ...valueSources.method];
const uriSources = [...valueSources.request, ...valueSources.uri];
const requestFieldSources: Record<string, string[]> = {
  method: methodSources,
  path: uriSources,
  query: uriSources,
  uri: uriSources,
  protocol: [...valueSources.request, ...valueSources.protocol],
};
const requestFields = Object.keys(requestFieldSources);

/** Throws naming the clause when it asks for a field the format never logs (it would drop every line). */
function checkWhereFields(where: string[] | undefined, variables: string[]): void {
  const has = (field: string) =>
    variables.includes(field) ||
    (requestFieldSources[field] ?? []).some((name) => variables.includes(name));
  for (const text of where ?? []) {
    const { field } = parseWhere(text);
    if (has(field)) continue;
    const sources = requestFieldSources[field];
    // "no $request nor $request_uri nor $uri to take path from"
    const missing = sources ? `$${sources.join(" nor $")} to take ${field} from` : `$${field}`;
    throw new Error(
      `--where "${text}": the log format has no ${missing} (fields: ${[...new Set(variables), ...requestFields.filter(has)].join(", ")})`,
    );
  }
}

/** The variables a filter flag reads, as the Analyzer looks them up: any one of them will do. */
const filterVariables: [
  flag: string,
  given: (spec: FilterSpec) => boolean,
  variables: readonly string[],
][] = [
  ["--ip", (s) => (s.ip ?? []).length > 0, valueSources.addr],
  ["--since", (s) => s.since !== undefined, valueSources.time],
  ["--until", (s) => s.until !== undefined, valueSources.time],
  ["--status", (s) => (s.status ?? []).length > 0, valueSources.status],
  ["--path-prefix", (s) => (s.pathPrefix ?? []).length > 0, uriSources],
  ["--method", (s) => (s.method ?? []).length > 0, methodSources],
];

/** Throws naming the flag when it filters on a variable the format never logs (it would drop every line). */
export function checkFilterFields(spec: FilterSpec, variables: string[]): void {
  for (const [flag, given, wanted] of filterVariables) {
    if (!given(spec) || wanted.some((name) => variables.includes(name))) continue;
    const [first, ...others] = wanted;
    const nor = others.length ? ` (nor ${others.map((name) => `$${name}`).join(", ")})` : "";
    throw new Error(
      `${flag}: the log format has no $${first}${nor}, so every line would be filtered out (fields: ${[...new Set(variables)].join(", ")})`,
    );
  }
  checkWhereFields(spec.where, variables);
}

export function compileFilter(spec: FilterSpec): CompiledFilter {
  let statusAllowed: Uint8Array | null = null;
  if (spec.status && spec.status.length > 0) {
    statusAllowed = new Uint8Array(600);
    for (const item of spec.status.flatMap((s) => s.split(","))) {
      const text = item.trim().toLowerCase();
      if (/^[1-5]xx$/.test(text)) {
        const base = Number(text[0]) * 100;
        statusAllowed.fill(1, base, base + 100);
      } else if (/^[1-5]\d\d$/.test(text)) statusAllowed[Number(text)] = 1;
      else if (/^[1-5]\d\d-[1-5]\d\d$/.test(text)) {
        const [from = 0, to = 0] = text.split("-").map(Number);
        statusAllowed.fill(1, from, to + 1);
      } else
        throw new Error(
          `--status "${item}": expected a code (404), a class (5xx) or a range (500-504)`,
        );
    }
  }
  const ipExact: Uint8Array[] = [];
  const ipCidrs: { network: number; mask: number }[] = [];
  for (const item of (spec.ip ?? []).flatMap((s) => s.split(","))) {
    const text = item.trim();
    if (text.includes("/")) {
      const [address = "", bitsText = ""] = text.split("/");
      const network = parseIpv4(address);
      const bits = Number(bitsText);
      if (network === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32)
        throw new Error(`--ip "${text}": expected an address or an IPv4 CIDR like 10.0.0.0/8`);
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      ipCidrs.push({ network: (network & mask) >>> 0, mask });
    } else if (text) ipExact.push(encoder.encode(text));
  }
  const where = (spec.where ?? []).map(parseWhere);
  const pathPrefixes = (spec.pathPrefix ?? []).map((p) => encoder.encode(p));
  const methods = (spec.method ?? [])
    .flatMap((s) => s.split(","))
    .map((m) => encoder.encode(m.trim().toUpperCase()));
  const since = spec.since ?? Number.NEGATIVE_INFINITY;
  const until = spec.until ?? Number.POSITIVE_INFINITY;
  return {
    active:
      statusAllowed !== null ||
      ipExact.length + ipCidrs.length + where.length + pathPrefixes.length + methods.length > 0 ||
      spec.since !== undefined ||
      spec.until !== undefined,
    since,
    until,
    statusAllowed,
    pathPrefixes,
    ipExact,
    ipCidrs,
    methods,
    where,
  };
}

export function bytesEqual(
  buf: Uint8Array,
  start: number,
  end: number,
  value: Uint8Array,
): boolean {
  if (end - start !== value.length) return false;
  for (let i = 0; i < value.length; i++) if (buf[start + i] !== value[i]) return false;
  return true;
}

export function bytesStartWith(
  buf: Uint8Array,
  start: number,
  end: number,
  prefix: Uint8Array,
): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}

/** IPv4 dotted quad in buf -> number, or -1. */
export function ipv4At(buf: Uint8Array, start: number, end: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i] as number;
    if (b === 0x2e) {
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (b >= 0x30 && b <= 0x39) {
      part = part * 10 + b - 0x30;
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return value * 256 + part;
}

/** One where clause against a field's decoded text. */
export function whereHolds(clause: WhereClause, text: string | undefined): boolean {
  const value = text ?? "";
  switch (clause.op) {
    case "=":
      return value === clause.value;
    case "!=":
      return value !== clause.value;
    case "~":
      return clause.regex?.test(value) ?? false;
    case "!~":
      return !(clause.regex?.test(value) ?? false);
    default: {
      const number = clause.field.endsWith("_time") ? timeSeconds(value) : Number.parseFloat(value);
      if (!Number.isFinite(number)) return false;
      const limit = clause.number ?? 0;
      return clause.op === ">"
        ? number > limit
        : clause.op === ">="
          ? number >= limit
          : clause.op === "<"
            ? number < limit
            : number <= limit;
    }
  }
}

/**
 * A time variable as the report counts it (parseMillis): $upstream_response_time after retries
 * is a list ("0.002, 1.500 : 0.004"), its sum the time spent upstream; "-" adds nothing.
 */
function timeSeconds(text: string): number {
  const bytes = Buffer.from(text, "latin1");
  const millis = parseMillis(bytes, 0, bytes.length);
  return millis < 0 ? Number.NaN : millis / 1000;
}
