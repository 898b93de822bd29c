/**
 * ffind's work as messages between threads: the query as plain data (a RegExp does not cross
 * postMessage), the subtrees to share, and matches sent back as plain entries.
 */
import type { FindQuery } from "./find.ts";
import { NativeStat } from "./native/dir.ts";
import { asFsPath, type FsPath } from "./path.ts";
import type { EntryKind, WalkEntry, WalkError } from "./walk.ts";

export interface PlainQuery extends Omit<FindQuery, "regex" | "roots"> {
  regexSource?: string;
  regexFlags?: string;
}

export interface FindJob {
  query: PlainQuery;
  /** Directories to walk, all at `depth`; each thread takes the next via `counter`. */
  subtrees: FsPath[];
  depth: number;
  /**
   * Int32Array[2] on a SharedArrayBuffer (newCounter): the index of the next subtree to take,
   * and a flag set when the run stops (stopJob).
   */
  counter: SharedArrayBuffer;
  statMatches: boolean;
  countOnly: boolean;
}

export interface PlainEntry {
  path: FsPath | Uint8Array;
  name: string;
  kind: EntryKind;
  depth: number;
  stat?: { dev: number; ino: number; mode: number; size: number; mtimeMs: number; atimeMs: number };
}

export type FindMessage =
  | { type: "entries"; entries: PlainEntry[] }
  | { type: "error"; error: WalkError }
  | { type: "done"; matched: number; dirs: number; entries: number; errors: number }
  | { type: "failed"; message: string };

const next = 0;
const stop = 1;

export function newCounter(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

/** The index of the next subtree this thread walks (past the end: none left). */
export function takeSubtree(counter: Int32Array): number {
  return Atomics.add(counter, next, 1);
}

/**
 * Stops every thread of the job: no subtree is taken any more, and the walks in progress end
 * at their next directory (a Worker does not see this thread's AbortSignal; it reads the flag).
 */
export function stopJob(counter: Int32Array, subtrees: number): void {
  Atomics.store(counter, next, subtrees);
  Atomics.store(counter, stop, 1);
}

export function jobStopped(counter: Int32Array): boolean {
  return Atomics.load(counter, stop) !== 0;
}

export function plainQuery(query: FindQuery): PlainQuery {
  const { regex, roots: _roots, ...rest } = query;
  return regex ? { ...rest, regexSource: regex.source, regexFlags: regex.flags } : rest;
}

export function queryOf(plain: PlainQuery, roots: FsPath[]): FindQuery {
  const { regexSource, regexFlags, ...rest } = plain;
  return {
    ...rest,
    roots,
    ...(regexSource !== undefined ? { regex: new RegExp(regexSource, regexFlags) } : {}),
  };
}

export function plainEntry(entry: WalkEntry): PlainEntry {
  const plain: PlainEntry = {
    path: entry.path,
    name: entry.name,
    kind: entry.kind,
    depth: entry.depth,
  };
  const stat = entry.stat;
  if (stat)
    plain.stat = {
      dev: stat.dev,
      ino: stat.ino,
      mode: stat.mode,
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      atimeMs: stat.atimeMs,
    };
  return plain;
}

/** Back to a WalkEntry. */
export function walkEntryOf(plain: PlainEntry): WalkEntry {
  const path = asFsPath(plain.path);
  const entry: WalkEntry = {
    path,
    name: plain.name,
    kind: plain.kind,
    followed: false,
    depth: plain.depth,
  };
  const s = plain.stat;
  if (s) entry.stat = new NativeStat(s.dev, s.ino, s.mode, s.size, s.mtimeMs, s.atimeMs);
  return entry;
}
