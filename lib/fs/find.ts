/**
 * ffind's engine: a query (name globs, regex, type, age, size, depth) becomes the walker's
 * filters, and matches become output: paths (newline or NUL separated, raw bytes kept), a count,
 * or NDJSON records with size and mtime.
 */

import { withSpan } from "../telemetry/span.ts";
import { compiledFind, findCompiled } from "./find-compiled.ts";
import { compileGlobs, compileGlobsToBytes } from "./glob.ts";
import { nativeFs } from "./native/dir.ts";
import { comparePaths, type FsPath, isUtf8, toText } from "./path.ts";
import { type FileStat, isoTime } from "./stat.ts";
import { type EntryKind, type WalkEntry, type WalkError, type WalkOptions, walk } from "./walk.ts";

export interface FindQuery {
  roots: FsPath[];
  names: readonly string[];
  regex?: RegExp;
  type?: "f" | "d" | "l";
  /** Seconds: modified less than this long ago. */
  newerThan?: number;
  /** Seconds: modified more than this long ago. */
  olderThan?: number;
  /** Bytes, strict bounds. */
  largerThan?: number;
  smallerThan?: number;
  maxDepth?: number;
  hidden: boolean;
  follow: boolean;
  /** Reference time in ms (tests pin it). */
  now?: number;
}

export interface FindSink {
  /** Called once per directory batch with the matches in it. */
  matches(entries: WalkEntry[]): void;
  /** Matches only counted (FindRunOptions.countOnly), per directory. */
  counted?(count: number): void;
  /**
   * Whole paths, each followed by FindRunOptions.separator, as raw bytes: given, it lets the
   * compiled walker print without building entries (find-compiled.ts).
   */
  paths?(bytes: Uint8Array): void;
  /** Matches so far, from the compiled walker (which calls neither matches nor counted). */
  progress?(matched: number): void;
}

export interface FindResult {
  matched: number;
  dirs: number;
  entries: number;
  errors: number;
  /** Which walk ran (debug log): "compiled" for find-compiled.ts, else the JavaScript one. */
  walker?: "compiled";
}

export interface FindRunOptions {
  signal?: AbortSignal;
  /** A stop that is not an event (a Worker reads it in shared memory): see WalkOptions.stopped. */
  stopped?: () => boolean;
  onError?: (error: WalkError) => void;
  /** Stat every match (for --json output) even when no filter needs it. */
  statMatches?: boolean;
  /** Directories read at once by the node:fs reader (other systems, --follow). */
  concurrency?: number;
  /**
   * Threads walking at once (Linux native walk; default 1): the compiled walker's threads
   * (find-compiled.ts), else this thread and Workers (find-parallel.ts).
   */
  threads?: number;
  /** Directories read on one thread before Workers start (find-parallel.ts; not the compiled walk). */
  shareAfter?: number;
  /** The module a walker Worker starts (the tool's entry, see find-worker.ts). */
  workerUrl?: string;
  /** Only the number of matches is wanted: Workers send counts, not entries. */
  countOnly?: boolean;
  /** What ends each path handed to FindSink.paths. */
  separator?: "\n" | "\0";
}

/** --type's letters as entry kinds. */
export const kindOfType = { f: "file", d: "dir", l: "symlink" } as const satisfies Record<
  "f" | "d" | "l",
  EntryKind
>;

/** One span for the search (a no-op without OTLP): per-directory spans would flood the queue. */
export function find(
  query: FindQuery,
  sink: FindSink,
  options: FindRunOptions = {},
): Promise<FindResult> {
  return withSpan("find", { "opsctl.roots": query.roots.length }, async (span) => {
    const result = await findUntraced(query, sink, options);
    span.setAttributes({
      "opsctl.matched": result.matched,
      "opsctl.dirs": result.dirs,
      "opsctl.entries": result.entries,
      "opsctl.errors": result.errors,
    });
    return result;
  });
}

async function findUntraced(
  query: FindQuery,
  sink: FindSink,
  options: FindRunOptions,
): Promise<FindResult> {
  const compiled = compiledFind(query, sink, options);
  if (compiled) return findCompiled(query, sink, options, compiled);
  const threads = options.threads ?? 1;
  if (threads > 1 && options.workerUrl && !query.follow && nativeFs()) {
    const { findParallel } = await import("./find-parallel.ts");
    return findParallel(query, sink, options, threads, options.workerUrl);
  }
  return walkQuery(query, query.roots, sink, options);
}

/**
 * One walk of `roots` for the query. `extra` adds walker options: a depth the roots start at and
 * a prune hook, for walks of subtrees (find-parallel.ts).
 */
export async function walkQuery(
  query: FindQuery,
  roots: readonly FsPath[],
  sink: FindSink,
  options: FindRunOptions,
  extra: Pick<WalkOptions, "rootDepth" | "followRoots" | "descend"> = {},
): Promise<FindResult> {
  const { cheap, cheapBytes, costly, needsStat } = compileQuery(
    query,
    options.statMatches ?? false,
  );
  const walker = walk(roots, {
    ...extra,
    hidden: query.hidden,
    follow: query.follow,
    ...(query.maxDepth !== undefined ? { maxDepth: query.maxDepth } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    select: cheap,
    ...(cheapBytes ? { selectBytes: cheapBytes } : {}),
    // Counting needs no entry objects when nothing but the name decides.
    ...(options.countOnly && !costly && !needsStat ? { countOnly: true } : {}),
    ...(needsStat ? { needsStat: () => true } : {}),
    ...(costly ? { filter: costly } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.stopped ? { stopped: options.stopped } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  let matched = 0;
  for await (const batch of walker) {
    matched += batch.entries.length + (batch.counted ?? 0);
    if (batch.entries.length > 0) sink.matches(batch.entries);
    if (batch.counted) sink.counted?.(batch.counted);
  }
  return { matched, ...walker.stats };
}

/** Cheap tests use the name and d_type; costly ones need a stat and run only after the cheap pass. */
function compileQuery(query: FindQuery, statMatches: boolean) {
  const byName = compileGlobs(query.names);
  const regex = query.regex;
  const kind = query.type ? kindOfType[query.type] : undefined;
  const cheap = (name: string, entryKind: EntryKind): boolean =>
    (kind === undefined || entryKind === kind) &&
    (byName === undefined || byName(name)) &&
    (regex === undefined || regex.test(name));
  const namesAsBytes = regex === undefined ? compileGlobsToBytes(query.names) : undefined;
  const cheapBytes = namesAsBytes
    ? (buf: Uint8Array, start: number, end: number, entryKind: EntryKind): boolean =>
        (kind === undefined || entryKind === kind) && namesAsBytes(buf, start, end)
    : undefined;

  const now = query.now ?? Date.now();
  const tests: ((stat: FileStat) => boolean)[] = [];
  if (query.newerThan !== undefined) {
    const since = now - query.newerThan * 1000;
    tests.push((stat) => stat.mtimeMs > since);
  }
  if (query.olderThan !== undefined) {
    const before = now - query.olderThan * 1000;
    tests.push((stat) => stat.mtimeMs < before);
  }
  if (query.largerThan !== undefined) {
    const min = query.largerThan;
    tests.push((stat) => stat.size > min);
  }
  if (query.smallerThan !== undefined) {
    const max = query.smallerThan;
    tests.push((stat) => stat.size < max);
  }
  const costly =
    tests.length === 0
      ? undefined
      : (entry: WalkEntry): boolean => {
          const stat = entry.stat;
          if (!stat) return false;
          for (const test of tests) if (!test(stat)) return false;
          return true;
        };
  return { cheap, cheapBytes, costly, needsStat: tests.length > 0 || statMatches };
}

/** Paths one per line (or NUL-terminated), raw bytes written as they are. */
export function pathWriter(
  write: (chunk: string | Uint8Array) => void,
  separator: "\n" | "\0",
): FindSink {
  const sep = Buffer.from(separator);
  return {
    matches(entries) {
      let text = "";
      for (const entry of entries) {
        if (typeof entry.path === "string") {
          text += entry.path + separator;
        } else {
          if (text) write(text);
          text = "";
          write(Buffer.concat([entry.path, sep]));
        }
      }
      if (text) write(text);
    },
  };
}

export interface FindRecord {
  path: string;
  /** Present when the path is not valid UTF-8: its exact bytes, base64. */
  path_base64?: string;
  type: EntryKind;
  size: number | null;
  mtime: string | null;
  depth: number;
}

export function toRecord(entry: WalkEntry): FindRecord {
  const record: FindRecord = {
    path: toText(entry.path),
    type: entry.kind,
    size: entry.stat ? entry.stat.size : null,
    mtime: entry.stat ? isoTime(entry.stat.mtimeMs) : null,
    depth: entry.depth,
  };
  if (typeof entry.path !== "string" && !isUtf8(entry.path))
    record.path_base64 = entry.path.toString("base64");
  return record;
}

/** Keeps every match for --sort; sorted byte-wise like `LC_ALL=C sort`. */
export class SortedCollector implements FindSink {
  readonly entries: WalkEntry[] = [];
  matches(entries: WalkEntry[]): void {
    for (const entry of entries) this.entries.push(entry);
  }
  sorted(): WalkEntry[] {
    return this.entries.sort((a, b) => comparePaths(a.path, b.path));
  }
}
