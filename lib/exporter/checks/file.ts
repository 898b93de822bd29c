/** file: count, total size and newest/oldest age of the files in a directory (queues, backups). */
import { compileGlobs, type NameMatcher } from "../../fs/glob.ts";
import { toText } from "../../fs/path.ts";
import { walk } from "../../fs/walk.ts";
import { bool, onlyKeys, optDuration, optNumber, optSize, stringList } from "../fields.ts";
import type { CheckKind } from "../types.ts";

export interface FileSettings {
  match: NameMatcher | undefined;
  recursive: boolean;
  maxDepth: number;
  minCount: number | undefined;
  maxCount: number | undefined;
  maxTotalBytes: number | undefined;
  /** Fail when the newest file is older than this (backups stopped). */
  maxNewestAge: number | undefined;
  /** Fail when the oldest file is older than this (a queue is stuck). */
  maxOldestAge: number | undefined;
}

interface Tally {
  count: number;
  bytes: number;
  newest: number;
  oldest: number;
}

/** Walks with lib/fs's walker (the engine of ffind/logclean); returns the first real error. */
async function tallyFiles(
  dir: string,
  settings: FileSettings,
  tally: Tally,
  signal: AbortSignal,
): Promise<string | undefined> {
  let problem: string | undefined;
  const match = settings.match;
  const walker = walk([dir], {
    maxDepth: settings.recursive ? settings.maxDepth + 1 : 1,
    select: (name, kind) => kind === "file" && (!match || match(name)),
    needsStat: () => true,
    signal,
    onError: (error) => {
      // A file taken by a queue consumer between readdir and lstat is not a problem.
      if (error.op === "stat" && error.code === "ENOENT") return;
      problem ??= `${toText(error.path)}: ${error.message}`;
    },
  });
  for await (const batch of walker) {
    for (const entry of batch.entries) {
      const stat = entry.stat;
      if (!stat) continue;
      tally.count++;
      tally.bytes += stat.size;
      tally.newest = Math.max(tally.newest, stat.mtimeMs);
      tally.oldest = Math.min(tally.oldest, stat.mtimeMs);
    }
  }
  if (signal.aborted) throw signal.reason;
  return problem;
}

export const fileCheck: CheckKind<FileSettings> = {
  kind: "file",
  description: "Files in a directory: count, total size, newest and oldest age",
  parse(raw, where) {
    onlyKeys(
      raw,
      [
        "name",
        "recursive",
        "max_depth",
        "min_count",
        "max_count",
        "max_total_bytes",
        "max_newest_age",
        "max_oldest_age",
      ],
      where,
    );
    let match: NameMatcher | undefined;
    try {
      match = compileGlobs(stringList(raw, "name", where));
    } catch (error) {
      throw new Error(`${where}.name: ${(error as Error).message}`);
    }
    const maxDepth = optNumber(raw, "max_depth", where) ?? 64;
    // -1 walked nothing: 0 files, as if the directory were empty.
    if (!Number.isInteger(maxDepth) || maxDepth < 0)
      throw new Error(`${where}.max_depth: expected a whole number, 0 or more (got ${maxDepth})`);
    return {
      match,
      recursive: bool(raw, "recursive", where, false),
      maxDepth,
      minCount: optNumber(raw, "min_count", where),
      maxCount: optNumber(raw, "max_count", where),
      maxTotalBytes: optSize(raw, "max_total_bytes", where),
      maxNewestAge: optDuration(raw, "max_newest_age", where),
      maxOldestAge: optDuration(raw, "max_oldest_age", where),
    };
  },
  validateTarget(target) {
    return target.startsWith("/") ? undefined : "expected an absolute directory path";
  },
  metrics: {
    file_matches: { help: "Matching files in the directory.", type: "gauge" },
    file_total_bytes: { help: "Total size of the matching files.", type: "gauge" },
    file_newest_age_seconds: { help: "Age of the most recently modified file.", type: "gauge" },
    file_oldest_age_seconds: { help: "Age of the least recently modified file.", type: "gauge" },
  },
  async run({ target, settings, result, signal }) {
    const tally: Tally = { count: 0, bytes: 0, newest: -Infinity, oldest: Infinity };
    const problem = await tallyFiles(target.replace(/(.)\/+$/, "$1"), settings, tally, signal);
    if (problem) return result.fail(problem);
    const now = Date.now();
    result.set("file_matches", tally.count);
    result.set("file_total_bytes", tally.bytes);
    let ok = true;
    if (tally.count > 0) {
      const newestAge = Math.max(0, (now - tally.newest) / 1000);
      const oldestAge = Math.max(0, (now - tally.oldest) / 1000);
      result.set("file_newest_age_seconds", newestAge);
      result.set("file_oldest_age_seconds", oldestAge);
      if (settings.maxNewestAge !== undefined && newestAge > settings.maxNewestAge)
        ok = result.fail(
          `newest file is ${Math.round(newestAge)}s old (max_newest_age ${settings.maxNewestAge}s)`,
        );
      if (settings.maxOldestAge !== undefined && oldestAge > settings.maxOldestAge)
        ok = result.fail(
          `oldest file is ${Math.round(oldestAge)}s old (max_oldest_age ${settings.maxOldestAge}s)`,
        );
    } else if (settings.maxNewestAge !== undefined) {
      ok = result.fail("no matching file (max_newest_age expects at least one)");
    }
    if (settings.minCount !== undefined && tally.count < settings.minCount)
      ok = result.fail(`${tally.count} files, fewer than min_count ${settings.minCount}`);
    if (settings.maxCount !== undefined && tally.count > settings.maxCount)
      ok = result.fail(`${tally.count} files, more than max_count ${settings.maxCount}`);
    if (settings.maxTotalBytes !== undefined && tally.bytes > settings.maxTotalBytes)
      ok = result.fail(`${tally.bytes} bytes, more than max_total_bytes ${settings.maxTotalBytes}`);
    return ok;
  },
};
