import { fstatSync, readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { UsageError } from "../cli/errors.ts";
import { ExitCode } from "../cli/exit-codes.ts";
import { argumentBytes, flagValueBytes } from "../cli/raw-arguments.ts";
import type { ToolContext } from "../cli/types.ts";
import { writeFileAtomic } from "../fs/write-atomic.ts";
import { type AnalyzeResult, analyzeSources } from "./analyze.ts";
import { type TableGroup, tableGroups } from "./analyzer.ts";
import { wasmLinesScanned } from "./engine/scan-engine.ts";
import { exportColumns, type RecordSink, sinkFor } from "./export.ts";
import type { FilterSpec } from "./filter.ts";
import { checkFilterFields, compileFilter } from "./filter.ts";
import { followFile } from "./follow.ts";
import { type Escape, formatFromConfFile, type LogFormat, resolveFormat } from "./format.ts";
import { renderHtml } from "./html.ts";
import { expandInputs, type FilePath, pathText, readError } from "./inputs.ts";
import type { nginxlogOptions } from "./options.ts";
import { type AnalysisSettings, newAnalyzer } from "./range.ts";
import { buildReport, humanBytes, tableByName, tableNames, tableToCsv } from "./report.ts";
import {
  isSummary,
  maxGivenBuckets,
  mergeSummaries,
  type Summary,
  stateProblem,
} from "./summary.ts";
import { printReport } from "./terminal.ts";
import { parseTimeSpec } from "./time-spec.ts";

/**
 * The analysis behind `nginxlog`: loaded by the script only when it runs. `workerUrl` is the module
 * Workers start (the binary's entry), or undefined to stay on one thread.
 */
export async function runNginxlog(
  ctx: ToolContext<typeof nginxlogOptions>,
  workerUrl: string | undefined,
): Promise<number> {
  const { options, out, log } = ctx;
  const positionals = ctx.positionals;
  const threads = options.threads ?? availableParallelism();
  if (options.csv && !tableNames.includes(options.csv))
    throw new UsageError(`--csv ${options.csv}: no such table (have: ${tableNames.join(", ")})`);

  let summary: Summary;
  let failures: string[] = [];
  /** Set when a stop (Ctrl-C, SIGTERM) ended the analysis before the end of its input. */
  let stoppedBy: string | undefined;
  if (positionals[0] === "merge") {
    const files = positionals.slice(1);
    if (files.length === 0) throw new UsageError("merge: give the .state files to merge");
    checkMergeFlags(options);
    let merged: Summary | undefined;
    // A state that cannot be read is an input error (exit 1), as a missing log is: the rest still merge.
    const failed = (reason: string) => {
      log.error(reason);
      failures.push(reason);
    };
    /** dev:ino of the states taken: `merge a.state a.state` must not double every count. */
    const taken = new Map<string, string>();
    for (const file of files) {
      let text: string;
      try {
        // A name that is not UTF-8 is read by its exact bytes, as --state wrote it.
        const path = argumentBytes(file);
        const { dev, ino } = statSync(path);
        const first = taken.get(`${dev}:${ino}`);
        if (first !== undefined) {
          log.warn(`merge: ${file}: the same file as ${first}, already given; read once`);
          continue;
        }
        taken.set(`${dev}:${ino}`, file);
        text = readFileSync(path, "utf8");
      } catch (error) {
        failed(`merge: ${file}: ${readError(error)}`);
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        failed(`merge: ${file}: not an nginxlog state file (${(error as Error).message})`);
        continue;
      }
      if (!isSummary(parsed)) {
        failed(`merge: ${file}: ${stateProblem(parsed)}`);
        continue;
      }
      if (merged && merged.format !== parsed.format)
        log.warn("merging summaries of different log formats", { file, format: parsed.format });
      merged = merged ? mergeSummaries(merged, parsed) : parsed;
    }
    if (!merged) return ExitCode.failure;
    summary = merged;
  } else {
    const format = pickFormat(
      options.format,
      options.nginxConf,
      options.formatName,
      options.escape as Escape | undefined,
    );
    const now = Date.now() / 1000;
    const since = options.since
      ? usage(() => parseTimeSpec(options.since as string, now, "--since"))
      : undefined;
    const until = options.until
      ? usage(() => parseTimeSpec(options.until as string, now, "--until"))
      : undefined;
    if (since !== undefined && until !== undefined && since >= until)
      throw new UsageError(
        `--since "${options.since}" is not before --until "${options.until}": no request could match`,
      );
    const filter: FilterSpec = {
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      status: options.status,
      pathPrefix: options.pathPrefix,
      ip: options.ip,
      method: options.method,
      where: options.where,
    };
    try {
      compileFilter(filter);
      checkFilterFields(filter, format.variables);
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
        // /dev/stdout is written as "-" is: through fd 1 (a socket cannot be opened by name).
        // A name that is not UTF-8 is created by its exact bytes, as every output file is.
        const given = flagValueBytes("export", options.export);
        const path = isStdout(given) ? "-" : given;
        // Said at once: under --follow the run may go on for hours before close() reports it.
        sink = sinkFor(
          path,
          exportColumns(format.variables),
          options.rowGroup,
          (error) =>
            log.warn(
              `--export ${pathText(path)}: cannot write: ${readError(error)}; no more records are exported`,
            ),
          // Through the tool's stdout: its reader gone (| head) stops the analysis, quietly.
          // Flushed at once: a full disk is then the export's error, not a crash at exit.
          (text) => {
            out.raw(text);
            out.flush();
          },
        );
      } catch (error) {
        throw new UsageError(`--export ${options.export}: ${(error as Error).message}`);
      }
    }
    // Typed at a prompt with no file, nginxlog would wait on the keyboard, saying nothing.
    if (positionals.length === 0 && process.stdin.isTTY)
      throw new UsageError(
        "no log given and stdin is a terminal: name log files or a glob, pipe a log in (... | nginxlog), or give - to type lines",
      );
    // A file name that is not UTF-8 is opened by its exact bytes (its text names nothing).
    const inputs = positionals.length ? positionals.map((input) => argumentBytes(input)) : ["-"];
    if (options.follow) {
      if (inputs.length !== 1 || inputs[0] === "-")
        throw new UsageError("--follow needs exactly one file");
      const analyzer = newAnalyzer(settings, sink ? (record) => sink.write(record) : undefined);
      await followFile({
        path: inputs[0] as string | Buffer,
        analyzer,
        signal: ctx.signal,
        onProgress: () =>
          ctx.progress.update(() => `${analyzer.requests} requests, ${analyzer.bad} bad lines`),
        onEvent: (event, path) =>
          event === "waiting"
            ? log.warn(`follow: ${path}: no such file; waiting for it to appear`, { path })
            : event === "denied"
              ? log.warn(`follow: ${path}: permission denied; waiting until it can be read`, {
                  path,
                })
              : log.info(`follow: ${event}`, { path }),
      });
      summary = analyzer.summary([positionals[0] as string]);
    } else {
      const expanded = expandInputs(inputs, process.cwd());
      failures = expanded.errors;
      for (const error of expanded.errors) log.error(error);
      for (const warning of expanded.warnings) log.warn(warning);
      const started = performance.now();
      const result: AnalyzeResult = await analyzeSources({
        sources: expanded.sources,
        settings,
        threads,
        minRangeBytes: options.minRange,
        ...(workerUrl ? { workerUrl } : {}),
        signal: ctx.signal,
        ...(sink ? { onRecord: (record) => sink.write(record) } : {}),
        onProgress: (source, bytes, size) =>
          ctx.progress.update(
            () =>
              // The numbers first: a long path is what the terminal's width cuts off.
              `${Math.floor((100 * bytes) / Math.max(1, size))}%  ${humanBytes(bytes)} of ${humanBytes(size)}  ${source}`,
          ),
        onSourceDone: (source, bytes, ranges, pieces) => {
          log.debug("source analysed", { source, ranges, pieces });
          ctx.progress.update(`${source} done, ${bytes} bytes`);
        },
      });
      ctx.progress.clear();
      for (const error of result.errors) log.error(error);
      failures = [...failures, ...result.errors];
      summary = result.summary;
      if (result.stopped) stoppedBy = (ctx.signal.reason as Error | undefined)?.message ?? "a stop";
      const seconds = (performance.now() - started) / 1000;
      log.debug("analysis finished", {
        bytes: result.bytesRead,
        seconds,
        gbPerSecond: result.bytesRead / seconds / 1e9,
        // Lines this thread scanned in WebAssembly (Workers scan their own ranges).
        wasmLines: wasmLinesScanned(),
      });
    }
    if (options.bucket && summary.bucketSeconds > options.bucket)
      log.warn(
        `--bucket ${options.bucket}s: more than ${maxGivenBuckets} buckets over this time range; widened to ${summary.bucketSeconds}s`,
      );
    if (sink) {
      const exporting = sink;
      await writing("--export", options.export as string, () => exporting.close());
      log.info("records exported", { file: options.export, rows: sink.rows });
    }
  }
  // A merge's result is a summary too: merge --state rolls daily states up into a week's.
  const state = options.state;
  // Whole or not at all: a run killed or out of disk mid-write keeps yesterday's state.
  // A name that is not UTF-8 is written by its exact bytes: merge reads it back by them.
  // A stopped run's counts cover part of its input: saved, they would merge as a whole day's.
  if (state && stoppedBy)
    log.warn(`--state ${state}: not written: the run was stopped (${stoppedBy}) before the end`);
  else if (state)
    await writing("--state", state, () =>
      writeFileAtomic(flagValueBytes("state", state), JSON.stringify(summary)),
    );

  ctx.metrics.itemsProcessed.inc(summary.requests);
  if (summary.bad > 0) ctx.metrics.errors.inc(summary.bad);
  const report = buildReport(summary, options.top);
  if (stoppedBy) report.overview.stopped = stoppedBy;
  const html = options.html;
  if (html)
    await writing("--html", html, () =>
      writeFileAtomic(flagValueBytes("html", html), renderHtml(report)),
    );
  if (options.csv) {
    const table = tableByName(report, options.csv);
    if (!table)
      throw new UsageError(
        `--csv ${options.csv}: no such table (have: ${report.tables.map((t) => t.name).join(", ")})`,
      );
    out.raw(tableToCsv(table));
  } else if (options.export !== undefined && isStdout(flagValueBytes("export", options.export))) {
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
}

/** Writes an output file; its error names the flag and the path (an ENOSPC named neither). */
async function writing(flag: string, path: string, write: () => unknown): Promise<void> {
  try {
    await write();
  } catch (error) {
    throw new Error(`${flag} ${path}: cannot write: ${readError(error)}`);
  }
}

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

/** Flags that read or filter log lines: a merge has only saved summaries, so they cannot apply. */
const logOnlyFlags = [
  ["export", "--export"],
  ["follow", "--follow"],
  ["since", "--since"],
  ["until", "--until"],
  ["status", "--status"],
  ["pathPrefix", "--path-prefix"],
  ["ip", "--ip"],
  ["method", "--method"],
  ["where", "--where"],
  ["nginxConf", "--nginx-conf"],
  ["only", "--only"],
] as const;

function checkMergeFlags(options: object): void {
  const given = logOnlyFlags.filter(([key]) => {
    const value = (options as Record<string, unknown>)[key];
    return value !== undefined && value !== false && !(Array.isArray(value) && value.length === 0);
  });
  if (given.length > 0)
    throw new UsageError(
      `merge: ${given.map(([, flag]) => flag).join(", ")} read or filter log lines; a merge combines saved summaries (run them on the logs, then merge)`,
    );
}

/** "-", or a path that is the very file stdout writes to (/dev/stdout, /proc/self/fd/1). */
function isStdout(path: FilePath): boolean {
  if (path === "-") return true;
  try {
    const file = statSync(path);
    const stdout = fstatSync(1);
    return file.dev === stdout.dev && file.ino === stdout.ino;
  } catch {
    return false;
  }
}
