/**
 * ffind on several threads (Linux native walk): this thread reads the top levels until the tree
 * has proved big enough for Workers to pay off and there are enough subtrees to share, then it
 * and the Workers each take the next subtree from a shared counter until none are left (work
 * sharing without messages). Matches found by Workers come back in batches and go to the same
 * sink; between subtrees this thread lets them in.
 */
import { nextTurn } from "../cli/next-turn.ts";
import {
  type FindQuery,
  type FindResult,
  type FindRunOptions,
  type FindSink,
  walkQuery,
} from "./find.ts";
import {
  type FindJob,
  type FindMessage,
  newCounter,
  plainQuery,
  stopJob,
  takeSubtree,
  walkEntryOf,
} from "./find-job.ts";
import { asFsPath, type FsPath } from "./path.ts";
import { workerFlags } from "./worker-flags.ts";

/** Subtrees per thread before sharing starts: enough that one big subtree rarely decides. */
const subtreesPerThread = 8;
/**
 * Directories read on this thread before Workers are worth starting (FindRunOptions.shareAfter):
 * a Worker costs its start and its own JIT warm-up; bench/fs's 2,167-directory tree is walked
 * faster on one thread of this 2-core machine.
 */
export const defaultShareAfter = 4096;

export async function findParallel(
  query: FindQuery,
  sink: FindSink,
  options: FindRunOptions,
  threads: number,
  workerUrl: string,
): Promise<FindResult> {
  const total: FindResult = { matched: 0, dirs: 0, entries: 0, errors: 0 };
  const add = (result: FindResult) => {
    total.matched += result.matched;
    total.dirs += result.dirs;
    total.entries += result.entries;
    total.errors += result.errors;
  };

  // 1. The top levels here, one at a time; the subdirectories of the last level read are kept.
  let frontier: FsPath[] = query.roots;
  let depth = 0;
  for (;;) {
    const next: FsPath[] = [];
    const level = await walkQuery(query, frontier, sink, options, {
      rootDepth: depth,
      followRoots: depth === 0,
      descend: (entry) => {
        next.push(entry.path);
        return false;
      },
    });
    add(level);
    depth++;
    frontier = next;
    if (frontier.length === 0 || options.signal?.aborted) return total;
    const shareAfter = options.shareAfter ?? defaultShareAfter;
    if (frontier.length >= subtreesPerThread * threads && total.dirs >= shareAfter) break;
  }

  // 2. Shared: every thread takes the next subtree until none are left.
  const counter = newCounter();
  const job: FindJob = {
    query: plainQuery(query),
    subtrees: frontier,
    depth,
    counter: counter.buffer as SharedArrayBuffer,
    statMatches: options.statMatches ?? false,
    countOnly: options.countOnly ?? false,
  };
  const workers: Worker[] = [];
  const finished: Promise<void>[] = [];
  for (let i = 1; i < Math.min(threads, frontier.length); i++) {
    const worker = new Worker(workerUrl, { argv: [workerFlags.find] });
    workers.push(worker);
    finished.push(
      new Promise<void>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<FindMessage>) => {
          const message = event.data;
          if (message.type === "entries") {
            total.matched += message.entries.length;
            sink.matches(message.entries.map(walkEntryOf));
          } else if (message.type === "error")
            options.onError?.({ ...message.error, path: asFsPath(message.error.path) });
          else if (message.type === "done") {
            total.dirs += message.dirs;
            total.entries += message.entries;
            total.errors += message.errors;
            if (job.countOnly) total.matched += message.matched;
            resolve();
          } else reject(new Error(`walker worker failed: ${message.message}`));
        };
        worker.onerror = (event) => reject(new Error(`walker worker failed: ${event.message}`));
      }),
    );
    worker.postMessage(job);
  }
  const stop = () => stopJob(counter, frontier.length);
  options.signal?.addEventListener("abort", stop);
  try {
    for (;;) {
      const index = takeSubtree(counter);
      if (index >= frontier.length) break;
      add(
        await walkQuery(query, [frontier[index] as FsPath], sink, options, {
          rootDepth: depth,
          followRoots: false,
        }),
      );
      // Let the Workers' batches in (their messages wait for this thread's event loop).
      await nextTurn();
    }
    await Promise.all(finished);
  } finally {
    options.signal?.removeEventListener("abort", stop);
    for (const worker of workers) worker.terminate();
  }
  return total;
}
