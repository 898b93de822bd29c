/**
 * The Worker side of a parallel ffind, run on this thread: its messages are caught from
 * postMessage, and what its walks hand to their sink is counted.
 */
import { describe, expect, spyOn, test } from "bun:test";
import { join } from "node:path";
import * as find from "../../lib/fs/find.ts";
import type { FindJob, FindMessage } from "../../lib/fs/find-job.ts";
import { newCounter, plainQuery, stopJob } from "../../lib/fs/find-job.ts";
import { handleFindJob } from "../../lib/fs/find-worker.ts";
import { dir, file, tempDir } from "./tree.ts";

/**
 * Runs a job as a Worker would; returns its messages and the entries its walks built.
 * `onBatch` runs each time a walk hands a batch to its sink.
 */
async function runJob(job: FindJob, onBatch = () => {}) {
  const messages: FindMessage[] = [];
  const post = spyOn(globalThis, "postMessage").mockImplementation(((message: FindMessage) => {
    messages.push(message);
  }) as typeof postMessage);
  let built = 0;
  const walkQuery = find.walkQuery;
  const walks = spyOn(find, "walkQuery").mockImplementation((query, roots, sink, options, extra) =>
    walkQuery(
      query,
      roots,
      {
        matches(entries) {
          built += entries.length;
          onBatch();
          sink.matches(entries);
        },
        counted(count) {
          onBatch();
          sink.counted?.(count);
        },
      },
      options,
      extra,
    ),
  );
  try {
    await handleFindJob(new MessageEvent("message", { data: job }));
  } finally {
    walks.mockRestore();
    post.mockRestore();
  }
  return { messages, built };
}

function subtrees() {
  const root = tempDir("find-worker");
  const paths: string[] = [];
  for (let d = 0; d < 4; d++) {
    const sub = dir(join(root, `d${d}`));
    paths.push(sub);
    for (let f = 0; f < 50; f++) file(join(sub, `f${f}.${f % 2 ? "log" : "txt"}`));
  }
  return paths;
}

function jobFor(paths: string[], countOnly: boolean): FindJob {
  return {
    query: plainQuery({ roots: [], names: ["*.log"], hidden: false, follow: false }),
    subtrees: paths,
    depth: 1,
    counter: newCounter().buffer as SharedArrayBuffer,
    statMatches: false,
    countOnly,
  };
}

describe("find worker", () => {
  test("--count: the Worker counts its matches without building an entry for each", async () => {
    const paths = subtrees();
    const { messages, built } = await runJob(jobFor(paths, true));
    const done = messages.find((m) => m.type === "done");
    expect(done?.type === "done" && done.matched).toBe(100);
    expect(messages.filter((m) => m.type === "entries")).toEqual([]);
    expect(built).toBe(0);
  });

  test("a stop (Ctrl-C, SIGTERM, stdout closed) ends the subtree being walked at its next directory", async () => {
    // One subtree of 300 directories: the Worker is in the middle of it when the run stops.
    const root = tempDir("find-worker-stop");
    for (let d = 0; d < 300; d++) {
      const sub = dir(join(root, "big", `d${d}`));
      for (let f = 0; f < 5; f++) file(join(sub, `f${f}.log`));
    }
    for (const countOnly of [false, true]) {
      const job = jobFor([join(root, "big")], countOnly);
      const counter = new Int32Array(job.counter);
      let batches = 0;
      const { messages } = await runJob(job, () => {
        if (++batches === 1) stopJob(counter, job.subtrees.length);
      });
      const done = messages.find((m) => m.type === "done");
      if (done?.type !== "done") throw new Error(`no done message: ${JSON.stringify(messages)}`);
      // 301 directories and 1800 entries in all; after the stop, at most the directories read
      // ahead (64 batches) are handed out: the 300 names of big/ and those of 64 below it.
      expect([countOnly, done.dirs < 301 / 3, done.entries < 1800 / 2]).toEqual([
        countOnly,
        true,
        true,
      ]);
    }
  });

  test("without --count it sends every match back", async () => {
    const paths = subtrees();
    const { messages, built } = await runJob(jobFor(paths, false));
    const sent = messages.flatMap((m) => (m.type === "entries" ? m.entries : []));
    expect(sent.length).toBe(100);
    expect(built).toBe(100);
  });
});
