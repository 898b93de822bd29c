/**
 * What to do with the matching files of one directory: keep the N newest whatever their age,
 * delete those older than --days, gzip those older than --compress-after.
 */

import {
  type ByteNameMatcher,
  compileGlobs,
  compileGlobsToBytes,
  type NameMatcher,
} from "../glob.ts";
import type { FsPath } from "../path.ts";
import type { FileStat } from "../stat.ts";
import type { WalkEntry } from "../walk.ts";
import { logEndOfTemp, logNameOfTemp, staleTempMs } from "./temp-names.ts";

export interface CleanPolicy {
  /** Delete matches modified more than this many days ago. */
  days: number;
  /** Gzip matches older than this many days (and younger than `days`). */
  compressAfter?: number;
  /** Always keep this many newest matches per directory. */
  keepNewest?: number;
  minSize?: number;
  match: readonly string[];
  exclude: readonly string[];
  /** Reference time, ms. */
  now: number;
}

export type PlannedAction = "delete" | "compress";

export interface PlannedFile {
  action: PlannedAction;
  path: FsPath;
  name: string;
  /** What was seen at scan time: the file is only touched if this still holds. */
  stat: FileStat;
}

const dayMs = 86_400_000;

/** Which names are logs: --match globs, minus --exclude; with compression also "<match>.gz". */
export function logMatcher(policy: CleanPolicy): NameMatcher {
  const match = compileGlobs(policy.match) ?? (() => false);
  const exclude = compileGlobs(policy.exclude);
  const compressing = policy.compressAfter !== undefined;
  // The log a .gz or a temp came from: an --exclude'd log's archives are protected with it.
  const isLog = (log: string) => match(log) && !exclude?.(log);
  return (name) => {
    if (exclude?.(name)) return false;
    if (compressing) {
      // A compression's temp (a dead run's is removed once stale), never a log of its own.
      const log = logNameOfTemp(name);
      if (log !== undefined) return isLog(log);
    }
    if (match(name)) return true;
    // What an earlier run compressed expires like the log it came from.
    return compressing && name.endsWith(".gz") && isLog(name.slice(0, -3));
  };
}

/** logMatcher on a name's bytes, when every glob allows it (see compileGlobsToBytes). */
export function logMatcherBytes(policy: CleanPolicy): ByteNameMatcher | undefined {
  const match = compileGlobsToBytes(policy.match);
  if (!match) return undefined;
  const exclude = policy.exclude.length > 0 ? compileGlobsToBytes(policy.exclude) : undefined;
  if (policy.exclude.length > 0 && !exclude) return undefined;
  const compressing = policy.compressAfter !== undefined;
  const isLog: ByteNameMatcher = (buf, start, end) =>
    match(buf, start, end) && !exclude?.(buf, start, end);
  return (buf, start, end) => {
    if (exclude?.(buf, start, end)) return false;
    if (compressing) {
      const logEnd = logEndOfTemp(buf, start, end);
      if (logEnd >= 0) return isLog(buf, start, logEnd);
    }
    if (match(buf, start, end)) return true;
    return (
      compressing &&
      end - start > 3 &&
      buf[end - 3] === 0x2e &&
      buf[end - 2] === 0x67 &&
      buf[end - 1] === 0x7a &&
      isLog(buf, start, end - 3)
    );
  };
}

/**
 * Archives already compressed, left as they are by --compress-after: logrotate's compresscmd may
 * be xz or zstd, and `--match '*.log.*'` matches them (gzipping gave app.log.2.xz.gz).
 */
const compressedArchive = /\.(gz|xz|zst|bz2|lz4|lzma|lz|zip|7z|tgz|txz|tbz2)$/i;

export function planDirectory(entries: readonly WalkEntry[], policy: CleanPolicy): PlannedFile[] {
  const compressing = policy.compressAfter !== undefined;
  const plan: PlannedFile[] = [];
  const staleBefore = policy.now - staleTempMs;
  const files = entries.filter((entry) => {
    if (!entry.stat?.isFile()) return false;
    if (compressing && logNameOfTemp(entry.name) !== undefined) {
      // Its mtime is the log's (set before the rename): only its ctime says it is abandoned.
      if (entry.stat.ctimeMs < staleBefore)
        plan.push({ action: "delete", path: entry.path, name: entry.name, stat: entry.stat });
      return false;
    }
    return (
      policy.minSize === undefined ||
      entry.stat.size >= policy.minSize ||
      // A .gz is what compressing a log left: its size says nothing of the log's, and it must
      // expire after --days like the log would have (else it stayed forever under --min-size).
      (compressing && entry.name.endsWith(".gz"))
    );
  });
  // Newest first; keep-newest protects the head of this list.
  files.sort((a, b) => (b.stat?.mtimeMs ?? 0) - (a.stat?.mtimeMs ?? 0));
  const kept = Math.max(0, policy.keepNewest ?? 0);
  const deleteBefore = policy.now - policy.days * dayMs;
  const compressBefore =
    policy.compressAfter === undefined ? undefined : policy.now - policy.compressAfter * dayMs;
  for (let i = kept; i < files.length; i++) {
    const entry = files[i] as WalkEntry;
    const stat = entry.stat as FileStat;
    if (stat.mtimeMs < deleteBefore) {
      plan.push({ action: "delete", path: entry.path, name: entry.name, stat });
    } else if (
      compressBefore !== undefined &&
      stat.mtimeMs < compressBefore &&
      !compressedArchive.test(entry.name)
    ) {
      plan.push({ action: "compress", path: entry.path, name: entry.name, stat });
    }
  }
  return plan;
}
