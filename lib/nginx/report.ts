/**
 * Turns a Summary into the report: named tables (terminal, CSV, HTML) and one JSON document.
 * Keys of top tables are decoded here (nginx \xHH or JSON escapes) — never on the hot path.
 */
import { decodeValue, latin1Bytes } from "./decode.ts";
import type { Escape } from "./format.ts";
import { relativeAccuracy } from "./sketch/ddsketch.ts";
import { hllPrecision } from "./sketch/hyperloglog.ts";
import {
  byKey,
  distinctEstimate,
  type SketchState,
  type Summary,
  stateQuantile,
  type TopState,
} from "./summary.ts";

export const quantiles = [0.5, 0.9, 0.95, 0.99, 0.999] as const;
export const quantileNames = ["p50", "p90", "p95", "p99", "p99.9"] as const;

/** Every table a report can have (buildReport), for checking --csv before the analysis runs. */
export const tableNames = [
  "status-classes",
  "status",
  "methods",
  "protocols",
  "top-ips",
  "top-paths",
  "top-urls",
  "top-errors",
  "top-user-agents",
  "top-referers",
  "request-time",
  "upstream-time",
  "path-latency",
  "timeline",
];

export type Cell = string | number | null;
export interface Table {
  name: string;
  title: string;
  columns: string[];
  rows: Cell[][];
  /** How the numbers were obtained (error bounds), shown under the table. */
  note?: string;
}

export interface Report {
  overview: {
    sources: string[];
    format: string;
    lines: number;
    requests: number;
    badLines: number;
    filteredOut: number;
    bytes: number;
    firstTime: string | null;
    lastTime: string | null;
    distinctIps: number;
    distinctPaths: number;
    bucketSeconds: number;
    /** The signal that stopped the run before the end of its input: the counts cover a part. */
    stopped?: string;
  };
  guarantees: { latencyRelativeError: number; distinctStandardError: number; topK: string };
  tables: Table[];
  badExamples: Summary["badExamples"];
}

const iso = (t: number | null) => (t === null ? null : new Date(t * 1000).toISOString());
const round = (value: number, digits = 4) =>
  Number.isFinite(value) ? Number(value.toFixed(digits)) : null;

function topTable(
  name: string,
  title: string,
  label: string,
  state: TopState,
  escaping: Escape,
  limit: number,
): Table {
  const rows = state.entries
    .slice(0, limit)
    .map(
      (e) =>
        [decodeValue(latin1Bytes(e.key), escaping), e.count, e.count - e.error, e.error] as Cell[],
    );
  return {
    name,
    title,
    columns: [label, "requests", "at least", "max overcount"],
    rows,
    note: `Filtered Space-Saving, ${state.capacity} counters: a count exceeds the true count by at most its "max overcount"; every overcount, and the count of anything not listed, is at most the smallest counter (${state.min}; 0 = the table never filled and every count is exact).`,
  };
}

function quantileRow(label: string, state: SketchState): Cell[] {
  return [
    label,
    state.count,
    ...quantiles.map((q) => round(stateQuantile(state, q), 6)),
    round(state.count ? state.sum / state.count / 1000 : Number.NaN, 6),
    round(state.max / 1000),
  ];
}

export function buildReport(summary: Summary, limit = 10): Report {
  const escaping = summary.escape as Escape;
  const tables: Table[] = [];
  const total = summary.requests || 1;
  const classes = [1, 2, 3, 4, 5].map((c) =>
    Object.entries(summary.status)
      .filter(([code]) => Math.floor(Number(code) / 100) === c)
      .reduce((sum, [, count]) => sum + count, 0),
  );
  tables.push({
    name: "status-classes",
    title: "Status classes",
    columns: ["class", "requests", "percent"],
    rows: classes.map((count, i) => [`${i + 1}xx`, count, round((100 * count) / total, 2)]),
  });
  tables.push({
    name: "status",
    title: "Status codes",
    columns: ["status", "requests", "percent"],
    rows: Object.entries(summary.status)
      .sort((a, b) => b[1] - a[1])
      .map(([code, count]) => [Number(code), count, round((100 * count) / total, 2)]),
  });
  const smallTable = (
    name: string,
    title: string,
    label: string,
    counts: Record<string, number>,
  ): Table => ({
    name,
    title,
    columns: [label, "requests", "percent"],
    rows: Object.entries(counts)
      .sort((a, b) => b[1] - a[1] || byKey(a[0], b[0]))
      .map(([key, count]) => [key, count, round((100 * count) / total, 2)]),
  });
  tables.push(smallTable("methods", "Methods", "method", summary.methods));
  tables.push(smallTable("protocols", "Protocols", "protocol", summary.protocols));
  if (summary.has.ips !== false)
    tables.push(topTable("top-ips", "Top client IPs", "ip", summary.top.ip, escaping, limit));
  if (summary.has.paths !== false) {
    tables.push(
      topTable("top-paths", "Top paths (without query)", "path", summary.top.path, escaping, limit),
    );
    tables.push(
      topTable("top-urls", "Top URLs (with query)", "url", summary.top.pathQuery, escaping, limit),
    );
    tables.push(
      topTable(
        "top-errors",
        "Top status x path (4xx and 5xx)",
        "status path",
        summary.top.statusPath,
        escaping,
        limit,
      ),
    );
  }
  if (summary.has.userAgent)
    tables.push(
      topTable(
        "top-user-agents",
        "Top user agents",
        "user agent",
        summary.top.userAgent,
        escaping,
        limit,
      ),
    );
  if (summary.has.referer)
    tables.push(
      topTable("top-referers", "Top referers", "referer", summary.top.referer, escaping, limit),
    );
  const latencyColumns = ["group", "count", ...quantileNames, "mean", "max"];
  const latencyNote = `DDSketch: each percentile is within ${relativeAccuracy * 100}% of the exact value at that rank (values 0.1 ms..100000 s; 0 exact). Seconds.`;
  const latencyTable = (
    name: string,
    title: string,
    latency: Summary["latency"]["request"],
  ): Table => ({
    name,
    title,
    columns: latencyColumns,
    rows: [
      quantileRow("all", latency.all),
      ...Object.entries(latency.byClass)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([cls, state]) => quantileRow(cls, state)),
    ],
    note: latencyNote,
  });
  if (summary.has.requestTime)
    tables.push(latencyTable("request-time", "$request_time (seconds)", summary.latency.request));
  if (summary.has.upstreamTime)
    tables.push(
      latencyTable(
        "upstream-time",
        "$upstream_response_time (seconds, attempts summed)",
        summary.latency.upstream,
      ),
    );
  if (summary.has.requestTime && summary.has.paths !== false)
    tables.push({
      name: "path-latency",
      title: "$request_time of the top paths (seconds)",
      columns: ["path", ...latencyColumns.slice(1)],
      rows: summary.pathLatency.top.entries
        .slice(0, limit)
        .map((e, i) =>
          quantileRow(
            decodeValue(latin1Bytes(e.key), escaping),
            summary.pathLatency.sketches[i] ?? { count: 0, zeros: 0, sum: 0, max: 0, bins: [] },
          ),
        ),
      note: `${latencyNote} Per-path sketches cover each path since it last entered the ${summary.pathLatency.top.capacity}-path Space-Saving summary.`,
    });
  if (summary.has.time)
    tables.push({
      name: "timeline",
      title: `Requests per ${summary.bucketSeconds}s`,
      columns: ["time", "requests", "bytes", "1xx", "2xx", "3xx", "4xx", "5xx", "p50", "p99"],
      rows: summary.buckets.map((b) => {
        return [
          iso(b.t),
          b.requests,
          b.bytes,
          ...b.classes,
          round(stateQuantile(b.requestTime, 0.5)),
          round(stateQuantile(b.requestTime, 0.99)),
        ];
      }),
    });
  return {
    overview: {
      sources: summary.sources,
      format: summary.format,
      lines: summary.lines,
      requests: summary.requests,
      badLines: summary.bad,
      filteredOut: summary.filtered,
      bytes: summary.bytes,
      firstTime: iso(summary.firstTime),
      lastTime: iso(summary.lastTime),
      distinctIps: distinctEstimate(summary.distinct.ip),
      distinctPaths: distinctEstimate(summary.distinct.path),
      bucketSeconds: summary.bucketSeconds,
    },
    guarantees: {
      latencyRelativeError: relativeAccuracy,
      distinctStandardError: round(1.04 / Math.sqrt(2 ** hllPrecision)) ?? 0,
      topK: "Filtered Space-Saving: count - error <= true count <= count; error, and the count of any unlisted key, <= the smallest counter",
    },
    tables,
    badExamples: summary.badExamples,
  };
}

export function tableByName(report: Report, name: string): Table | undefined {
  return report.tables.find((t) => t.name === name);
}

/**
 * Text a spreadsheet would run as a formula (= + - @, or a tab/CR before one): log keys are the
 * client's text, so a user agent '=cmd|...' must not become a formula when the CSV is opened in
 * Excel (OWASP CSV injection). A leading ' keeps it text; nginx's lone '-' is left as it is.
 */
const formulaStart = /^[=+\-@\t\r]/;

function csvCell(cell: Cell): string {
  let text = cell === null ? "" : String(cell);
  if (typeof cell === "string" && text !== "-" && formulaStart.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function tableToCsv(table: Table): string {
  return `${[table.columns, ...table.rows].map((row) => row.map(csvCell).join(",")).join("\n")}\n`;
}

export function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
