/**
 * The Worker side of a parallel ffind: takes subtrees from the shared counter until none are
 * left, walks each, and sends matches (or just their number) back in batches.
 */
import { walkQuery } from "./find.ts";
import {
  type FindJob,
  type FindMessage,
  jobStopped,
  type PlainEntry,
  plainEntry,
  queryOf,
  takeSubtree,
} from "./find-job.ts";
import { asFsPath, type FsPath } from "./path.ts";
import type { WalkEntry } from "./walk.ts";

declare const self: Worker;

const batchSize = 2048;

export async function handleFindJob(event: MessageEvent<FindJob>): Promise<void> {
  const post = (message: FindMessage) => self.postMessage(message);
  try {
    const job = event.data;
    const counter = new Int32Array(job.counter);
    const query = queryOf(job.query, []);
    const total = { matched: 0, dirs: 0, entries: 0, errors: 0 };
    let batch: PlainEntry[] = [];
    const sink = {
      matches(entries: readonly WalkEntry[]) {
        if (job.countOnly) return;
        for (const entry of entries) batch.push(plainEntry(entry));
        if (batch.length >= batchSize) {
          post({ type: "entries", entries: batch });
          batch = [];
        }
      },
    };
    for (;;) {
      const index = takeSubtree(counter);
      if (index >= job.subtrees.length) break;
      const result = await walkQuery(
        query,
        [asFsPath(job.subtrees[index] as FsPath | Uint8Array)],
        sink,
        {
          statMatches: job.statMatches,
          // Matches only counted, as on this thread: no entry built for each.
          countOnly: job.countOnly,
          // This thread's Ctrl-C, SIGTERM or closed stdout, as the main thread flags it.
          stopped: () => jobStopped(counter),
          onError: (error) => post({ type: "error", error }),
        },
        { rootDepth: job.depth, followRoots: false },
      );
      total.matched += result.matched;
      total.dirs += result.dirs;
      total.entries += result.entries;
      total.errors += result.errors;
    }
    if (batch.length > 0) post({ type: "entries", entries: batch });
    post({ type: "done", ...total });
  } catch (error) {
    post({ type: "failed", message: (error as Error).message });
  }
}
