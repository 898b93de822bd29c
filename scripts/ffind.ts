import { availableParallelism } from "node:os";
import { isMainThread } from "node:worker_threads";
import { UsageError } from "../lib/cli/errors.ts";
import { ExitCode } from "../lib/cli/exit-codes.ts";
import { runTool } from "../lib/cli/run-tool.ts";
import { defineTool } from "../lib/cli/types.ts";
import { workerUrlFor } from "../lib/cli/worker-entry.ts";
import { serveLazily, type WorkerHandler } from "../lib/cli/worker-serve.ts";
import { type FindQuery, find, pathWriter, SortedCollector, toRecord } from "../lib/fs/find.ts";
import { compileGlobs } from "../lib/fs/glob.ts";
import { toText } from "../lib/fs/path.ts";
import type { WalkEntry } from "../lib/fs/walk.ts";

export const ffind = defineTool({
  name: "ffind",
  description: "Find files in parallel: find | grep | wc -l in one process",
  positionals: {
    name: "DIR",
    description: "Directories to search (default: the current directory)",
    variadic: true,
  },
  options: {
    name: { type: "list", description: "Glob on the file name, like find -name (repeatable: any)" },
    regex: { type: "string", description: "Regular expression on the file name", valueHint: "RE" },
    type: { type: "enum", choices: ["f", "d", "l"], description: "f file, d directory, l symlink" },
    newerThan: { type: "duration", description: "Modified less than DUR ago (7d, 12h)" },
    olderThan: { type: "duration", description: "Modified more than DUR ago" },
    largerThan: { type: "size", description: "Bigger than SIZE (10M, 1GiB)" },
    smallerThan: { type: "size", description: "Smaller than SIZE" },
    maxDepth: { type: "integer", description: "Descend at most N levels (1: DIR's entries)" },
    hidden: { type: "boolean", description: "Include names starting with a dot" },
    follow: { type: "boolean", description: "Follow symlinks (loops are detected and skipped)" },
    count: { type: "boolean", description: "Print only the number of matches" },
    null: { type: "boolean", short: "0", description: "End paths with NUL (for xargs -0)" },
    sort: { type: "boolean", description: "Print paths sorted byte-wise (waits for the walk)" },
    concurrency: {
      type: "integer",
      default: 16,
      description: "Directories read at the same time (without the native Linux walk)",
      valueHint: "N",
    },
    threads: {
      type: "integer",
      default: Math.min(4, availableParallelism()),
      description: "Threads walking at once on Linux (1: this thread only)",
      valueHint: "N",
    },
    shareAfter: {
      type: "integer",
      default: 4096,
      description: "Directories read on one thread before the other --threads start",
      valueHint: "N",
    },
  },
  exitCodes: { 1: "some paths could not be read (reported on stderr); matches still printed" },
  examples: [
    "ffind /var/log --name '*.log' --count",
    "ffind /srv --name '*.log' --older-than 7d --larger-than 100M --json",
    "ffind . --type f --name '*.tmp' -0 | xargs -0 rm --",
  ],
  async run(ctx) {
    const { options, out } = ctx;
    if (options.maxDepth !== undefined && options.maxDepth < 0)
      throw new UsageError(`--max-depth: must be 0 or more, got ${options.maxDepth}`);
    if (options.concurrency < 1)
      throw new UsageError(`--concurrency: must be at least 1, got ${options.concurrency}`);
    if (options.shareAfter < 0)
      throw new UsageError(`--share-after: must be 0 or more, got ${options.shareAfter}`);
    if (options.threads < 1)
      throw new UsageError(`--threads: must be at least 1, got ${options.threads}`);
    let regex: RegExp | undefined;
    if (options.regex !== undefined) {
      try {
        regex = new RegExp(options.regex);
      } catch (error) {
        throw new UsageError(`--regex "${options.regex}": ${(error as Error).message}`);
      }
    }
    const query: FindQuery = {
      roots: ctx.positionals.length > 0 ? ctx.positionals : ["."],
      names: options.name,
      hidden: options.hidden,
      follow: options.follow,
      ...(regex ? { regex } : {}),
      ...(options.type ? { type: options.type as "f" | "d" | "l" } : {}),
      ...(options.newerThan !== undefined ? { newerThan: options.newerThan } : {}),
      ...(options.olderThan !== undefined ? { olderThan: options.olderThan } : {}),
      ...(options.largerThan !== undefined ? { largerThan: options.largerThan } : {}),
      ...(options.smallerThan !== undefined ? { smallerThan: options.smallerThan } : {}),
      ...(options.maxDepth !== undefined ? { maxDepth: options.maxDepth } : {}),
    };
    try {
      compileGlobs(options.name); // a bad glob is a usage error, before any walking
    } catch (error) {
      throw new UsageError(`--name: ${(error as Error).message}`);
    }

    // Walker Workers restart this module, or opsctl inside the multi-call binary.
    const walkerUrl = workerUrlFor(import.meta);
    let failed = false;
    const writeRaw = (chunk: string | Uint8Array) => out.raw(chunk);
    const emitJson = (entries: WalkEntry[]) => {
      for (const entry of entries) out.record(toRecord(entry));
    };
    const sorted = options.sort && !options.count ? new SortedCollector() : undefined;
    const sink = options.count
      ? { matches() {} }
      : (sorted ??
        (options.json ? { matches: emitJson } : pathWriter(writeRaw, options.null ? "\0" : "\n")));
    let seen = 0;
    const result = await find(
      query,
      {
        matches(entries) {
          seen += entries.length;
          sink.matches(entries);
          ctx.progress.update(() => `ffind: ${seen} matches`);
        },
        counted(count) {
          seen += count;
          ctx.progress.update(() => `ffind: ${seen} matches`);
        },
      },
      {
        signal: ctx.signal,
        statMatches: options.json && !options.count,
        concurrency: options.concurrency,
        threads: options.threads,
        shareAfter: options.shareAfter,
        countOnly: options.count,
        ...(walkerUrl ? { workerUrl: walkerUrl } : {}),
        onError(error) {
          // A loop under --follow is expected in real trees: a warning, not a failure.
          if (error.code === "ELOOP" && error.op === "readdir") {
            ctx.log.warn(error.message, { path: toText(error.path) });
            return;
          }
          failed = true;
          ctx.metrics.errors.inc();
          ctx.log.error(`${toText(error.path)}: ${error.message}`, { code: error.code });
        },
      },
    );
    ctx.progress.clear();
    if (sorted) {
      const entries = sorted.sorted();
      if (options.json) emitJson(entries);
      else pathWriter(writeRaw, options.null ? "\0" : "\n").matches(entries);
    }
    if (options.count) {
      if (options.json) out.record({ count: result.matched });
      else out.line(String(result.matched));
    }
    ctx.metrics.itemsProcessed.inc(result.entries);
    return failed ? ExitCode.failure : ExitCode.ok;
  },
});

export default ffind;

if (!isMainThread)
  serveLazily(
    async () => (await import("../lib/fs/find-worker.ts")).handleFindJob as WorkerHandler,
  );
else if (import.meta.main) process.exit(await runTool(ffind, { argv: process.argv.slice(2) }));
