import { isMainThread } from "node:worker_threads";
import { UsageError } from "../lib/cli/errors.ts";
import { ExitCode } from "../lib/cli/exit-codes.ts";
import { runTool } from "../lib/cli/run-tool.ts";
import { defineTool } from "../lib/cli/types.ts";
import { type CleanEvent, type CleanSummary, clean } from "../lib/fs/clean/clean.ts";
import { eventRecord, formatEvent, formatSummary, summaryRecord } from "../lib/fs/clean/report.ts";
import { checkRoot, distinctRoots, type RootCheck, RootRefused } from "../lib/fs/clean/roots.ts";
import { compileGlobs } from "../lib/fs/glob.ts";
import { readMountPoints } from "../lib/fs/mounts.ts";
import { Counter } from "../lib/metrics/prom.ts";
import { workerEntry } from "../lib/nginx/worker-entry.ts";

export const logclean = defineTool({
  name: "logclean",
  description: "Delete (or gzip) old log files safely, from cron",
  positionals: { name: "DIR", description: "Directories to clean", variadic: true, required: true },
  options: {
    days: {
      type: "integer",
      default: 7,
      description: "Delete logs modified more than N days ago",
      valueHint: "N",
    },
    match: {
      type: "list",
      default: ["*.log"],
      description: "Glob on file names to treat as logs (repeatable, e.g. '*.log.[0-9]*')",
    },
    exclude: { type: "list", description: "Glob on file names never to touch (repeatable)" },
    minSize: { type: "size", description: "Only files of at least SIZE" },
    keepNewest: {
      type: "integer",
      description: "Always keep the N newest logs of each directory",
      valueHint: "N",
    },
    compressAfter: {
      type: "integer",
      description: "gzip logs older than N days (atomically); delete them after --days",
      valueHint: "N",
    },
    maxDelete: {
      type: "integer",
      description: "If more than N files would be deleted, delete none and exit 1",
      valueHint: "N",
    },
    dryRun: { type: "boolean", description: "Print what would be done; change nothing" },
    crossDevices: {
      type: "boolean",
      description: "Descend into other filesystems and mount points",
    },
    force: { type: "boolean", description: "Allow /, /home, $HOME or a filesystem root as DIR" },
  },
  exitCodes: { 1: "something failed (reported per path), or --max-delete stopped the run" },
  examples: [
    "logclean /var/log/myapp --days 14",
    "logclean /srv/logs --match '*.log' --match '*.log.*.gz' --compress-after 1 --days 30",
    "logclean /var/log/app --days 7 --keep-newest 3 --max-delete 1000 --dry-run",
  ],
  async run(ctx) {
    const { options, out, log } = ctx;
    if (options.days < 0) throw new UsageError(`--days: must be 0 or more, got ${options.days}`);
    if (options.compressAfter !== undefined) {
      if (options.compressAfter < 0)
        throw new UsageError(`--compress-after: must be 0 or more, got ${options.compressAfter}`);
      if (options.compressAfter >= options.days)
        throw new UsageError(
          `--compress-after ${options.compressAfter} must be less than --days ${options.days} (older files are deleted, not compressed)`,
        );
    }
    for (const [flag, value] of [
      ["--keep-newest", options.keepNewest],
      ["--max-delete", options.maxDelete],
    ] as const)
      if (value !== undefined && value < 0)
        throw new UsageError(`${flag}: must be 0 or more, got ${value}`);
    for (const [flag, globs] of [
      ["--match", options.match],
      ["--exclude", options.exclude],
    ] as const) {
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
          checkRoot(given, {
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
        roots: distinctRoots(roots),
        days: options.days,
        match: options.match,
        exclude: options.exclude,
        now,
        crossDevices: options.crossDevices,
        mountPoints,
        dryRun: options.dryRun,
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
  },
});

export default logclean;

/**
 * Deletions run on a Worker that restarts this module (self-spawning works from source and in a
 * compiled binary); inside the multi-call opsctl binary it restarts opsctl (worker-entry.ts).
 */
const ownUrl =
  import.meta.main || !import.meta.url.includes("/$bunfs/") ? import.meta.url : undefined;
const removerUrl = ownUrl ?? workerEntry();

if (!isMainThread) (await import("../lib/fs/clean/remove-worker.ts")).serveRemoveWorker();
else if (import.meta.main) process.exit(await runTool(logclean, { argv: process.argv.slice(2) }));
