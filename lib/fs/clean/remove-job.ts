/**
 * One directory's deletions as a message: what a remover Worker receives (the files as they were
 * examined) and what it answers. Packed into typed arrays (names end to end, six numbers of stat
 * per file) and transferred, not cloned: a message per file's object cost more than its unlink.
 */
import { NativeStat } from "../native/dir.ts";
import { asFsPath, type FsPath } from "../path.ts";
import type { FileStat } from "../stat.ts";
import { Changed } from "./act.ts";
import { OpenRoot, type WalkedRoot } from "./beneath-root.ts";
import { DirectoryRemover, nameBytesOf } from "./remover.ts";

export interface RemoveJob {
  id: number;
  /**
   * The root the walk started from, as checked (real path, dev, ino): the thread running the
   * job opens it itself and opens `dir` below it, as the walk did (a descriptor number would
   * only be valid while the sending thread keeps it open).
   */
  root: WalkedRoot;
  dir: FsPath | Uint8Array;
  dev: number;
  ino: number;
  /** The exact names (bytes), end to end; file i is names[ends[i - 1] ?? 0, ends[i]). */
  names: Uint8Array;
  ends: Int32Array;
  /** Per file as examined: dev, ino, mode, size, mtimeMs, atimeMs. */
  stats: Float64Array;
}

/** Why a file was not removed: changed since examined (not a failure), or an error. */
export type RemoveProblem = { changed: string } | { code: string; message: string };

export interface RemoveResult {
  id: number;
  /** Bytes freed per file; -1 where `problems` says why not. */
  freed: Float64Array;
  problems: { index: number; problem: RemoveProblem }[];
}

const statFields = 6;
const encoder = new TextEncoder();

/** The files of a job: names as bytes (a path's last component when it is raw bytes). */
export function packFiles(
  files: readonly { name: string; path: FsPath; stat: FileStat }[],
): Pick<RemoveJob, "names" | "ends" | "stats"> {
  // A text path's name is file.name; a raw one's is its last component's bytes.
  const parts = files.map((file) =>
    typeof file.path === "string" ? encoder.encode(file.name) : nameBytesOf(file.path),
  );
  const names = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  const ends = new Int32Array(files.length);
  const stats = new Float64Array(files.length * statFields);
  let at = 0;
  files.forEach((file, i) => {
    const part = parts[i] as Uint8Array;
    names.set(part, at);
    at += part.length;
    ends[i] = at;
    const s = file.stat;
    stats.set([s.dev, s.ino, s.mode, s.size, s.mtimeMs, s.atimeMs], i * statFields);
  });
  return { names, ends, stats };
}

export function runRemoveJob(job: RemoveJob): RemoveResult {
  const count = job.ends.length;
  const result: RemoveResult = {
    id: job.id,
    freed: new Float64Array(count).fill(-1),
    problems: [],
  };
  let remover: DirectoryRemover | undefined;
  let root: OpenRoot | undefined;
  try {
    // One open of the root per job: the Worker can be ended at any time, which no descriptor
    // kept across jobs would survive unleaked.
    root = OpenRoot.open(job.root);
    remover = DirectoryRemover.open(root, asFsPath(job.dir), job.dev, job.ino);
    if (!remover) throw new Error("the native file layer is not available on this thread");
  } catch (error) {
    const problem = problemOf(error);
    for (let i = 0; i < count; i++) result.problems.push({ index: i, problem });
    return result;
  } finally {
    root?.close();
  }
  try {
    const s = job.stats;
    for (let i = 0; i < count; i++) {
      const name = job.names.subarray(i === 0 ? 0 : (job.ends[i - 1] as number), job.ends[i]);
      const k = i * statFields;
      const seen = new NativeStat(
        s[k] as number,
        s[k + 1] as number,
        s[k + 2] as number,
        s[k + 3] as number,
        s[k + 4] as number,
        s[k + 5] as number,
      );
      try {
        result.freed[i] = remover.remove(name, seen);
      } catch (error) {
        result.problems.push({ index: i, problem: problemOf(error) });
      }
    }
  } finally {
    remover.close();
  }
  return result;
}

function problemOf(error: unknown): RemoveProblem {
  if (error instanceof Changed) return { changed: error.message };
  const err = error as NodeJS.ErrnoException;
  return { code: err.code ?? "EUNKNOWN", message: err.message ?? String(error) };
}
