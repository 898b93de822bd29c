/**
 * The sharing side of a parallel ffind, with a stand-in Worker that records the job it is given
 * and answers once no subtree is left to take.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { FindQuery } from "../../lib/fs/find.ts";
import type { FindJob, FindMessage } from "../../lib/fs/find-job.ts";
import { jobStopped } from "../../lib/fs/find-job.ts";
import { findParallel } from "../../lib/fs/find-parallel.ts";
import { dir, file, tempDir } from "./tree.ts";

const realWorker = globalThis.Worker;
afterEach(() => {
  globalThis.Worker = realWorker;
});

/** What each stand-in Worker saw: the job, and whether it was told to stop. */
const seen: { job: FindJob; stopped: boolean }[] = [];

class StandInWorker {
  onmessage: ((event: MessageEvent<FindMessage>) => void) | undefined;
  onerror: ((event: ErrorEvent) => void) | undefined;
  postMessage(job: FindJob): void {
    const counter = new Int32Array(job.counter);
    const answer = () => {
      if (Atomics.load(counter, 0) < job.subtrees.length) return setImmediate(answer);
      let stopped: boolean;
      try {
        stopped = jobStopped(counter);
      } catch {
        stopped = false;
      }
      seen.push({ job, stopped });
      const done = { type: "done", matched: 0, dirs: 0, entries: 0, errors: 0 } as const;
      this.onmessage?.(new MessageEvent("message", { data: done }));
    };
    setImmediate(answer);
  }
  terminate(): void {}
}

function tree(): string {
  const root = tempDir("find-parallel");
  for (let d = 0; d < 20; d++) {
    const sub = dir(join(root, `d${d}`));
    for (let f = 0; f < 5; f++) file(join(sub, `f${f}.log`));
  }
  return root;
}

describe("find parallel", () => {
  test("an abort on this thread reaches the Workers' walks in progress (the shared stop flag)", async () => {
    const root = tree();
    globalThis.Worker = StandInWorker as unknown as typeof Worker;
    seen.length = 0;
    const controller = new AbortController();
    const query: FindQuery = { roots: [root], names: ["*.log"], hidden: false, follow: false };
    const sink = { matches: () => controller.abort() };
    await findParallel(query, sink, { signal: controller.signal, shareAfter: 0 }, 2, "unused");
    expect(seen.map((s) => [s.job.subtrees.length, s.stopped])).toEqual([[20, true]]);
  });

  test("a run that is not aborted does not stop them", async () => {
    const root = tree();
    globalThis.Worker = StandInWorker as unknown as typeof Worker;
    seen.length = 0;
    const query: FindQuery = { roots: [root], names: ["*.log"], hidden: false, follow: false };
    let matched = 0;
    const sink = {
      matches(entries: unknown[]) {
        matched += entries.length;
      },
    };
    const result = await findParallel(query, sink, { shareAfter: 0 }, 2, "unused");
    expect(seen.map((s) => s.stopped)).toEqual([false]);
    expect([result.matched, matched]).toEqual([100, 100]); // this thread walked them all
  });
});
