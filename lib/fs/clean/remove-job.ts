/**
 * One directory's deletions as a message: what a remover Worker receives (the files as they were
 * examined) and what it answers (one outcome per file, in order). Plain data, so it crosses
 * postMessage; runRemoveJob does the work on whichever thread holds it.
 */
import { NativeStat } from "../native/dir.ts";
import type { FsPath } from "../path.ts";
import type { FileStat } from "../stat.ts";
import { Changed } from "./act.ts";
import { DirectoryRemover } from "./remover.ts";

export interface SeenFile {
  /** The exact name (bytes) in the directory. */
  name: Uint8Array;
  dev: number;
  ino: number;
  mode: number;
  size: number;
  mtimeMs: number;
  atimeMs: number;
}

export interface RemoveJob {
  id: number;
  dir: FsPath | Uint8Array;
  dev: number;
  ino: number;
  files: SeenFile[];
}

export type RemoveOutcome =
  | { freed: number }
  /** The file or directory changed since it was examined: left alone (not a failure). */
  | { changed: string }
  | { code: string; message: string };

export interface RemoveResult {
  id: number;
  outcomes: RemoveOutcome[];
}

export function seenFile(name: Uint8Array, stat: FileStat): SeenFile {
  return {
    name,
    dev: stat.dev,
    ino: stat.ino,
    mode: stat.mode,
    size: stat.size,
    mtimeMs: stat.mtimeMs,
    atimeMs: stat.atimeMs,
  };
}

export function runRemoveJob(job: RemoveJob): RemoveResult {
  let remover: DirectoryRemover | undefined;
  try {
    remover = DirectoryRemover.open(job.dir as FsPath, job.dev, job.ino);
    if (!remover) throw new Error("the native file layer is not available on this thread");
  } catch (error) {
    const outcome = outcomeOf(error);
    return { id: job.id, outcomes: job.files.map(() => outcome) };
  }
  const outcomes: RemoveOutcome[] = [];
  try {
    for (const file of job.files) {
      const seen = new NativeStat(
        file.dev,
        file.ino,
        file.mode,
        file.size,
        file.mtimeMs,
        file.atimeMs,
      );
      try {
        outcomes.push({ freed: remover.remove(file.name, seen) });
      } catch (error) {
        outcomes.push(outcomeOf(error));
      }
    }
  } finally {
    remover.close();
  }
  return { id: job.id, outcomes };
}

function outcomeOf(error: unknown): RemoveOutcome {
  if (error instanceof Changed) return { changed: error.message };
  const err = error as NodeJS.ErrnoException;
  return { code: err.code ?? "EUNKNOWN", message: err.message ?? String(error) };
}
