/**
 * logclean's command: flags checked, roots refused or accepted, the clean engine run, each action
 * printed (NDJSON under --json) and the summary. The entry (scripts/logclean.ts) loads this only
 * when it runs, so --version and --help stay light.
 */
import { UsageError } from "../../cli/errors.ts";
import { ExitCode } from "../../cli/exit-codes.ts";
import { argumentBytes } from "../../cli/raw-arguments.ts";
import type { ToolContext } from "../../cli/types.ts";
import { Counter } from "../../metrics/prom.ts";
import { compileGlobs } from "../glob.ts";
import { readMountPoints } from "../mounts.ts";
import { type CleanEvent, type CleanSummary, clean } from "./clean.ts";
import type { logcleanOptions } from "./options.ts";
import { eventRecord, formatEvent, formatSummary, summaryRecord } from "./report.ts";
import { checkRoot, distinctRoots, type RootCheck, RootRefused } from "./roots.ts";

export async function runLogclean(
  ctx: ToolContext<typeof logcleanOptions>,
  removerUrl: string | undefined,
): Promise<number> {
  const { options, out, log } = ctx;
  if (options.compressAfter !== undefined && options.compressAfter >= options.days)
    throw new UsageError(
      `--compress-after ${options.compressAfter} must be less than --days ${options.days} (older files are deleted, not compressed)`,
    );
  for (const [flag, globs] of [
    ["--match", options.match],
    ["--exclude", options.exclude],
  ] as const) {
    // A path in a glob matches no name: --match would select nothing, --exclude protect nothing.
    const path = globs.find((glob) => glob.includes("/"));
    if (path !== undefined)
      throw new UsageError(`${flag}: '${path}' contains '/': globs match file names, not paths`);
    try {
      compileGlobs(globs);
    } catch (error) {
      throw new UsageError(`${flag}: ${(error as Error).message}`);
    }
  }
  if (options.match.length === 0) throw new UsageError("--match: at least one glob is needed");

  const mountPoints = readMountPoints();
  const roots: RootCheck[] = [];
  for (const given of ctx.positionals) {
    try {
      roots.push(
        checkRoot(argumentBytes(given), {
          force: options.force,
          home: ctx.env.HOME,
          mountPoints,
          cwd: process.cwd(),
        }),
      );
    } catch (error) {
      if (error instanceof RootRefused) throw new UsageError(error.message);
      throw error;
    }
  }

  const registers = [ctx.metrics.registry];
  const deleted = new Counter({
    name: "opsctl_logclean_files_deleted_total",
    help: "Log files deleted.",
    registers,
  });
  const compressed = new Counter({
    name: "opsctl_logclean_files_compressed_total",
    help: "Log files gzipped.",
    registers,
  });
  const freed = new Counter({
    name: "opsctl_logclean_bytes_freed_total",
    help: "Bytes given back to the filesystem (deleted files, and savings of compression).",
    registers,
  });
  const now = Date.now();
  const onEvent = (event: CleanEvent) => {
    ctx.progress.clear();
    if (event.event === "error") {
      ctx.metrics.errors.inc();
      log.error(formatEvent(event, now), { code: event.code, op: event.op });
    } else if (event.event === "skip") {
      log.warn(formatEvent(event, now));
    }
    if (options.json) pending += `${JSON.stringify(eventRecord(event))}\n`;
    else if (event.event === "delete" || event.event === "compress")
      pending += `${formatEvent(event, now)}\n`;
  };
  // One write per directory, not per file: tens of thousands of deletions make as many lines.
  let pending = "";
  const flushLines = () => {
    if (pending) out.raw(pending);
    pending = "";
  };
  const summary: CleanSummary = await clean(
    {
      roots: distinctRoots(roots, { crossDevices: options.crossDevices, mountPoints }),
      days: options.days,
      match: options.match,
      exclude: options.exclude,
      now,
      crossDevices: options.crossDevices,
      mountPoints,
      dryRun: options.dryRun,
      threads: options.threads,
      signal: ctx.signal,
      ...(options.compressAfter !== undefined ? { compressAfter: options.compressAfter } : {}),
      ...(options.keepNewest !== undefined ? { keepNewest: options.keepNewest } : {}),
      ...(options.minSize !== undefined ? { minSize: options.minSize } : {}),
      ...(options.maxDelete !== undefined ? { maxDelete: options.maxDelete } : {}),
      ...(removerUrl ? { workerUrl: removerUrl } : {}),
      onProgress: (progress) => {
        flushLines();
        ctx.progress.update(
          () =>
            `logclean: ${progress.scanned} scanned, ${progress.matched} matched, ${progress.deleted} deleted`,
        );
      },
    },
    onEvent,
  );
  flushLines();
  ctx.progress.clear();
  ctx.log.debug("walk finished", {
    walker: summary.walker ?? "javascript",
    dirs: summary.dirs,
    entries: summary.scanned,
  });
  ctx.metrics.itemsProcessed.inc(summary.scanned);
  // Once at the end: a counter update per file costs more than the unlink on big runs.
  if (!summary.dryRun) {
    deleted.inc(summary.deleted);
    compressed.inc(summary.compressed);
    freed.inc(Math.max(0, summary.bytesFreed));
  }
  if (summary.valve) {
    log.error(
      `--max-delete ${summary.valve.maxDelete}: ${summary.valve.wouldDelete} files would be deleted; nothing was changed`,
    );
  }
  if (options.json) out.record(summaryRecord(summary));
  else out.line(formatSummary(summary));
  return summary.errors > 0 || summary.valve ? ExitCode.failure : ExitCode.ok;
}
