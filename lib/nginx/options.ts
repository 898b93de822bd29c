import { tableGroups } from "./table-groups.ts";

/** nginxlog's flags: data only, so `nginxlog --version` and `--help` load no analysis engine. */
export const nginxlogOptions = {
  format: {
    type: "string",
    description:
      "log_format string as in nginx.conf, or a preset: combined (default), main, common, timed",
    valueHint: "FORMAT",
  },
  nginxConf: {
    type: "string",
    description: "Read the log_format from this nginx.conf (with --format-name)",
    valueHint: "FILE",
  },
  formatName: {
    type: "string",
    description: "Name of the log_format in --nginx-conf",
    default: "combined",
    valueHint: "NAME",
  },
  escape: {
    type: "enum",
    choices: ["default", "json", "none"],
    description:
      "The format's escape= (default: from --nginx-conf, json for formats starting with {)",
  },
  follow: {
    type: "boolean",
    short: "f",
    description:
      "Keep reading as the file grows (tail -F: survives rotation and truncation); report on Ctrl-C/SIGTERM",
  },
  bucket: {
    type: "duration",
    description:
      "Time bucket width for the timeline (default: 1m, widened automatically past 1440 buckets; a given width is doubled past 11000)",
    valueHint: "DURATION",
  },
  top: { type: "integer", description: "Rows per top table", default: 10, min: 0, valueHint: "N" },
  capacity: {
    type: "integer",
    min: 1,
    description: "Space-Saving counters per top table (error <= requests / capacity)",
    default: 1024,
    valueHint: "N",
  },
  since: {
    type: "string",
    description:
      "Only requests at or after this time (ISO 8601, $time_local, or a duration ago: 2h)",
    valueHint: "TIME",
  },
  until: { type: "string", description: "Only requests before this time", valueHint: "TIME" },
  status: {
    type: "list",
    description: "Only these statuses: 404, 5xx, 500-504 (repeatable, comma-separated)",
    valueHint: "SPEC",
  },
  pathPrefix: {
    type: "list",
    description: "Only request URIs starting with this (repeatable)",
    valueHint: "PREFIX",
  },
  ip: {
    type: "list",
    description: "Only these client addresses or IPv4 CIDRs (repeatable)",
    valueHint: "ADDR",
  },
  method: { type: "list", description: "Only these methods (repeatable)", valueHint: "METHOD" },
  where: {
    type: "list",
    description:
      "FIELD OP VALUE on any variable or method/path/query/protocol; OP = != ~ !~ > >= < <= (repeatable, all must hold)",
    valueHint: "EXPR",
  },
  showBad: {
    type: "integer",
    min: 0,
    description: "Print the first N lines that did not parse, with their line numbers",
    default: 0,
    valueHint: "N",
  },
  state: {
    type: "string",
    description: "Write the mergeable summary here (merge later with `nginxlog merge`)",
    valueHint: "FILE",
  },
  csv: {
    type: "string",
    description:
      "Print one table as CSV instead of the report (status, top-ips, top-paths, request-time, timeline...)",
    valueHint: "TABLE",
  },
  export: {
    type: "string",
    description:
      "Write every parsed record: FILE.parquet (typed columns) or FILE.ndjson (- for stdout)",
    valueHint: "FILE",
  },
  rowGroup: {
    type: "integer",
    min: 1,
    description: "Rows per Parquet row group",
    default: 100000,
    valueHint: "N",
  },
  html: {
    type: "string",
    description: "Write a self-contained HTML report (inline SVG charts, no network)",
    valueHint: "FILE",
  },
  only: {
    type: "list",
    description: `Compute only these table groups (faster): ${tableGroups.join(", ")} (status, methods and totals always)`,
    valueHint: "GROUP",
  },
  threads: {
    type: "integer",
    min: 1,
    max: 256,
    description: "Workers for big plain files (default: CPU count)",
    valueHint: "N",
  },
  minRange: {
    type: "size",
    description:
      "Smallest share of a plain file per thread (smaller files stay on one thread: a Worker's start-up and JIT warm-up cost more than it saves); threads take the file in pieces of an eighth of this (at most 16 MiB), the next free one each",
    default: "128M",
    valueHint: "SIZE",
  },
} as const;
