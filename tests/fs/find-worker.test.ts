/**
 * The Worker side of a parallel ffind, run on this thread: its messages are caught from
 * postMessage, and what its walks hand to their sink is counted.
 */
import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { join } from "node:path";
import * as find from "../../lib/fs/find.ts";
import type { FindJob, FindMessage } from "../../lib/fs/find-job.ts";
import { plainQuery } from "../../lib/fs/find-job.ts";
import { handleFindJob } from "../../lib/fs/find-worker.ts";
import { dir, file, tempDir } from "./tree.ts";

const restore: (() => void)[] = [];
afterEach(() => {
  for (const undo of restore.splice(0)) undo();
});

/** Runs a job as a Worker would; returns its messages and the entries its walks built. */
async function runJob(job: FindJob) {
  const messages: FindMessage[] = [];
  const post = spyOn(globalThis, "postMessage").mockImplementation(((message: FindMessage) => {
    messages.push(message);
  }) as typeof postMessage);
  restore.push(() => post.mockRestore());
  let built = 0;
  const walkQuery = find.walkQuery;
  const walks = spyOn(find, "walkQuery").mockImplementation((query, roots, sink, options, extra) =>
    walkQuery(
      query,
      roots,
      {
        matches(entries) {
          built += entries.length;
          sink.matches(entries);
        },
        ...(sink.counted ? { counted: sink.counted } : {}),
      },
      options,
      extra,
    ),
  );
  restore.push(() => walks.mockRestore());
  await handleFindJob(new MessageEvent("message", { data: job }));
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
    counter: new SharedArrayBuffer(4),
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

  test("without --count it sends every match back", async () => {
    const paths = subtrees();
    const { messages, built } = await runJob(jobFor(paths, false));
    const sent = messages.flatMap((m) => (m.type === "entries" ? m.entries : []));
    expect(sent.length).toBe(100);
    expect(built).toBe(100);
  });
});
