/**
 * ffind's command: flags checked, the query built, the walk run (on Workers when walkerUrl is
 * given), matches printed as paths, NUL-ended paths, NDJSON or a count. The entry
 * (scripts/ffind.ts) loads this only when it runs, so --version and --help stay light.
 */
import { UsageError } from "../cli/errors.ts";
import { ExitCode } from "../cli/exit-codes.ts";
import { argumentBytes } from "../cli/raw-arguments.ts";
import type { ToolContext } from "../cli/types.ts";
import { type FindQuery, find, pathWriter, SortedCollector, toRecord } from "./find.ts";
import type { ffindOptions } from "./find-options.ts";
import { compileGlobs } from "./glob.ts";
import { toText } from "./path.ts";
import type { WalkEntry } from "./walk.ts";

export async function runFfind(
  ctx: ToolContext<typeof ffindOptions>,
  walkerUrl: string | undefined,
): Promise<number> {
  const { options, out } = ctx;
  let regex: RegExp | undefined;
  if (options.regex !== undefined) {
    try {
      regex = new RegExp(options.regex);
    } catch (error) {
      throw new UsageError(`--regex "${options.regex}": ${(error as Error).message}`);
    }
  }
  const query: FindQuery = {
    roots: ctx.positionals.length > 0 ? ctx.positionals.map((root) => argumentBytes(root)) : ["."],
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

  let failed = false;
  const writeRaw = (chunk: string | Uint8Array) => out.raw(chunk);
  const emitJson = (entries: WalkEntry[]) => {
    for (const entry of entries) out.record(toRecord(entry));
  };
  const sorted = options.sort && !options.count ? new SortedCollector() : undefined;
  const separator = options.null ? "\0" : "\n";
  const printsPaths = !options.count && !sorted && !options.json;
  const sink = options.count
    ? { matches() {} }
    : (sorted ?? (options.json ? { matches: emitJson } : pathWriter(writeRaw, separator)));
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
      ...(printsPaths ? { paths: writeRaw } : {}),
      progress(matched) {
        ctx.progress.update(() => `ffind: ${matched} matches`);
      },
    },
    {
      signal: ctx.signal,
      statMatches: options.json && !options.count,
      concurrency: options.concurrency,
      threads: options.threads,
      shareAfter: options.shareAfter,
      countOnly: options.count,
      ...(printsPaths ? { separator } : {}),
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
  ctx.log.debug("walk finished", {
    walker: result.walker ?? "javascript",
    dirs: result.dirs,
    entries: result.entries,
  });
  if (sorted) {
    const entries = sorted.sorted();
    if (options.json) emitJson(entries);
    else pathWriter(writeRaw, separator).matches(entries);
  }
  if (options.count) {
    if (options.json) out.record({ count: result.matched });
    else out.line(String(result.matched));
  }
  ctx.metrics.itemsProcessed.inc(result.entries);
  return failed ? ExitCode.failure : ExitCode.ok;
}
