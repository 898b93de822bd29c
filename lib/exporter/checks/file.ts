/** file: count, total size and newest/oldest age of the files in a directory (queues, backups). */
import { lstat, readdir } from "node:fs/promises";
import { compileGlobs, type NameMatcher } from "../../fs/glob.ts";
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

async function walk(
  dir: string,
  settings: FileSettings,
  depth: number,
  tally: Tally,
  signal: AbortSignal,
): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (signal.aborted) throw signal.reason;
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (settings.recursive && depth < settings.maxDepth)
        await walk(path, settings, depth + 1, tally, signal);
      continue;
    }
    if (!entry.isFile() || (settings.match && !settings.match(entry.name))) continue;
    let stats: Awaited<ReturnType<typeof lstat>>;
    try {
      stats = await lstat(path);
    } catch {
      continue; // Gone between readdir and lstat: a queue consumer took it.
    }
    tally.count++;
    tally.bytes += stats.size;
    tally.newest = Math.max(tally.newest, stats.mtimeMs);
    tally.oldest = Math.min(tally.oldest, stats.mtimeMs);
  }
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
    return {
      match,
      recursive: bool(raw, "recursive", where, false),
      maxDepth: optNumber(raw, "max_depth", where) ?? 64,
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
    try {
      await walk(target.replace(/\/+$/, "") || "/", settings, 0, tally, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      return result.fail(`${target}: ${(error as Error).message}`);
    }
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
