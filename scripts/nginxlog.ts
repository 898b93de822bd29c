import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { isMainThread } from "node:worker_threads";
import { UsageError } from "../lib/cli/errors.ts";
import { ExitCode } from "../lib/cli/exit-codes.ts";
import { runTool } from "../lib/cli/run-tool.ts";
import { defineTool } from "../lib/cli/types.ts";
import { type AnalyzeResult, analyzeSources } from "../lib/nginx/analyze.ts";
import { type TableGroup, tableGroups } from "../lib/nginx/analyzer.ts";
import { exportColumns, type RecordSink, sinkFor } from "../lib/nginx/export.ts";
import type { FilterSpec } from "../lib/nginx/filter.ts";
import { compileFilter } from "../lib/nginx/filter.ts";
import { followFile } from "../lib/nginx/follow.ts";
import {
  type Escape,
  formatFromConfFile,
  type LogFormat,
  resolveFormat,
} from "../lib/nginx/format.ts";
import { renderHtml } from "../lib/nginx/html.ts";
import { expandInputs } from "../lib/nginx/inputs.ts";
import { type AnalysisSettings, newAnalyzer } from "../lib/nginx/range.ts";
import { buildReport, tableByName, tableToCsv } from "../lib/nginx/report.ts";
import { isSummary, mergeSummaries, type Summary } from "../lib/nginx/summary.ts";
import { printReport } from "../lib/nginx/terminal.ts";
import { parseTimeSpec } from "../lib/nginx/time-spec.ts";
import { serveRangeWorker } from "../lib/nginx/worker.ts";
import { workerEntry } from "../lib/nginx/worker-entry.ts";

export const nginxlog = defineTool({
  name: "nginxlog",
  description:
    "Streaming nginx access-log analysis in constant memory (top-K, percentiles, HTML, Parquet)",
  positionals: {
    name: "FILE",
    description:
      "Log files, globs or rotated sets (access.log*; .gz read in-process); - or none for stdin. `nginxlog merge A.state B.state...` merges saved summaries",
    variadic: true,
  },
  options: {
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
        "Time bucket width for the timeline (default: 1m, widened automatically past 1440 buckets)",
      valueHint: "DURATION",
    },
    top: { type: "integer", description: "Rows per top table", default: 10, valueHint: "N" },
    capacity: {
      type: "integer",
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
      description: "Workers for big plain files (default: CPU count)",
      valueHint: "N",
    },
  },
  exitCodes: { 1: "an input could not be read, or no line matched the log format" },
  examples: [
    "nginxlog /var/log/nginx/access.log",
    "nginxlog '/var/log/nginx/access.log*' --status 5xx --top 20",
    "nginxlog --nginx-conf /etc/nginx/nginx.conf --format-name timed access.log --json",
    "nginxlog access.log --since 2h --html report.html --export records.parquet",
    "nginxlog access.log --state today.state && nginxlog merge yesterday.state today.state",
    "tail -n 100000 access.log | nginxlog --csv top-ips",
  ],
  async run(ctx) {
    const { options, out, log } = ctx;
    const positionals = ctx.positionals;
    const threads = Math.max(1, options.threads ?? availableParallelism());

    let summary: Summary;
    let failures: string[] = [];
    if (positionals[0] === "merge") {
      const files = positionals.slice(1);
      if (files.length === 0) throw new UsageError("merge: give the .state files to merge");
      let merged: Summary | undefined;
      for (const file of files) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(readFileSync(file, "utf8"));
        } catch (error) {
          throw new UsageError(`merge: ${file}: ${(error as Error).message}`);
        }
        if (!isSummary(parsed)) throw new UsageError(`merge: ${file}: not an nginxlog state file`);
        if (merged && merged.format !== parsed.format)
          log.warn("merging summaries of different log formats", { file, format: parsed.format });
        merged = merged ? mergeSummaries(merged, parsed) : parsed;
      }
      summary = merged as Summary;
    } else {
      const format = pickFormat(
        options.format,
        options.nginxConf,
        options.formatName,
        options.escape as Escape | undefined,
      );
      const now = Date.now() / 1000;
      const filter: FilterSpec = {
        ...(options.since
          ? { since: usage(() => parseTimeSpec(options.since as string, now, "--since")) }
          : {}),
        ...(options.until
          ? { until: usage(() => parseTimeSpec(options.until as string, now, "--until")) }
          : {}),
        status: options.status,
        pathPrefix: options.pathPrefix,
        ip: options.ip,
        method: options.method,
        where: options.where,
      };
      try {
        compileFilter(filter);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const settings: AnalysisSettings = {
        formatText: format.text,
        escape: format.escape,
        formatName: format.name,
        filter,
        bucketSeconds: options.bucket ?? 0,
        topCapacity: options.capacity,
        badExampleLimit: Math.max(10, options.showBad),
        only: parseGroups(options.only),
      };
      let sink: RecordSink | undefined;
      if (options.export) {
        try {
          sink = sinkFor(options.export, exportColumns(format.variables), options.rowGroup);
        } catch (error) {
          throw new UsageError(`--export ${options.export}: ${(error as Error).message}`);
        }
      }
      const inputs = positionals.length ? positionals : ["-"];
      if (options.follow) {
        if (inputs.length !== 1 || inputs[0] === "-")
          throw new UsageError("--follow needs exactly one file");
        const analyzer = newAnalyzer(settings, sink ? (record) => sink.write(record) : undefined);
        await followFile({
          path: inputs[0] as string,
          analyzer,
          signal: ctx.signal,
          onProgress: () =>
            ctx.progress.update(() => `${analyzer.requests} requests, ${analyzer.bad} bad lines`),
          onEvent: (event, path) => log.info(`follow: ${event}`, { path }),
        });
        summary = analyzer.summary([inputs[0] as string]);
      } else {
        const expanded = expandInputs(inputs, process.cwd());
        failures = expanded.errors;
        for (const error of expanded.errors) log.error(error);
        const started = performance.now();
        const workerUrl = ownUrl ?? workerEntry();
        const result: AnalyzeResult = await analyzeSources({
          sources: expanded.sources,
          settings,
          threads,
          ...(workerUrl ? { workerUrl } : {}),
          signal: ctx.signal,
          ...(sink ? { onRecord: (record) => sink.write(record) } : {}),
          onSourceDone: (source, bytes, ranges) => {
            log.debug("source analysed", { source, ranges });
            ctx.progress.update(`${source} done, ${bytes} bytes`);
          },
        });
        ctx.progress.clear();
        for (const error of result.errors) log.error(error);
        failures = [...failures, ...result.errors];
        summary = result.summary;
        const seconds = (performance.now() - started) / 1000;
        log.debug("analysis finished", {
          bytes: result.bytesRead,
          seconds,
          gbPerSecond: result.bytesRead / seconds / 1e9,
        });
      }
      if (sink) {
        await sink.close();
        log.info("records exported", { file: options.export, rows: sink.rows });
      }
      if (options.state) writeFileSync(options.state, JSON.stringify(summary));
    }

    ctx.metrics.itemsProcessed.inc(summary.requests);
    if (summary.bad > 0) ctx.metrics.errors.inc(summary.bad);
    const report = buildReport(summary, options.top);
    if (options.html) writeFileSync(options.html, renderHtml(report));
    if (options.csv) {
      const table = tableByName(report, options.csv);
      if (!table)
        throw new UsageError(
          `--csv ${options.csv}: no such table (have: ${report.tables.map((t) => t.name).join(", ")})`,
        );
      out.raw(tableToCsv(table));
    } else if (options.export === "-") {
      // stdout carries the records; the report would corrupt them.
    } else if (options.json) out.document(report);
    else printReport(out, report, options.showBad);
    if (summary.bad > 0 && options.showBad === 0)
      log.warn(`${summary.bad} of ${summary.lines} lines did not parse (see --show-bad N)`);
    if (summary.lines > 0 && summary.bad === summary.lines) {
      log.error(
        `none of ${summary.lines} lines matched the log format: ${summary.format} (check --format or --nginx-conf/--format-name)`,
      );
      return ExitCode.failure;
    }
    return failures.length > 0 ? ExitCode.failure : ExitCode.ok;
  },
});

/** Runs a parser of flag values; its error becomes a usage error (exit 2). */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function parseGroups(items: string[]): TableGroup[] {
  const groups = items
    .flatMap((item) => item.split(","))
    .map((g) => g.trim())
    .filter(Boolean);
  for (const group of groups)
    if (!(tableGroups as readonly string[]).includes(group))
      throw new UsageError(`--only ${group}: not one of ${tableGroups.join(", ")}`);
  return groups as TableGroup[];
}

function pickFormat(
  formatText: string | undefined,
  nginxConf: string | undefined,
  formatName: string,
  escapeMode: Escape | undefined,
): LogFormat {
  try {
    if (nginxConf) {
      if (formatText) throw new Error("give either --format or --nginx-conf, not both");
      const format = formatFromConfFile(nginxConf, formatName);
      return escapeMode ? { ...format, escape: escapeMode } : format;
    }
    return resolveFormat(formatText, escapeMode);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Workers restart this module (self-spawning works from source and in a compiled binary) when it
 * is the entry; inside the multi-call opsctl binary they restart opsctl (lib/nginx/worker-entry.ts).
 */
const ownUrl =
  import.meta.main || !import.meta.url.includes("/$bunfs/") ? import.meta.url : undefined;

export default nginxlog;

if (!isMainThread) serveRangeWorker();
else if (import.meta.main) process.exit(await runTool(nginxlog, { argv: process.argv.slice(2) }));
