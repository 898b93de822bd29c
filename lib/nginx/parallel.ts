/**
 * Splits a plain file into byte ranges at line boundaries and analyses them on Workers (one
 * range stays on this thread), then merges the summaries. Bad-line numbers are shifted by the
 * lines of the ranges before them, so they are the file's real line numbers.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { sharedScanModule } from "./engine/scan-engine.ts";
import type { FilePath } from "./inputs.ts";
import {
  type AnalysisSettings,
  analyzeRange,
  fromPosted,
  type PostedRange,
  type RangeJob,
  type RangeResult,
} from "./range.ts";
import { mergeSummaries, type Summary } from "./summary.ts";

/**
 * Smallest range per thread by default (--min-range): measured on 2 cores (bench/RESULTS.md), a
 * second thread made a 100 MB file 12% slower (each Worker warms up its own JIT), broke even at
 * 200 MB and paid from 300 MB.
 */
export const defaultMinRangeBytes = 128 << 20;

/** Range starts: 0 and the byte after the first newline at or past each even split point. */
export function splitAtNewlines(path: FilePath, size: number, parts: number): number[] {
  const starts = [0];
  const fd = openSync(path, "r");
  try {
    const probe = new Uint8Array(64 * 1024);
    for (let i = 1; i < parts; i++) {
      let position = Math.max(
        Math.floor((size * i) / parts),
        (starts[starts.length - 1] as number) + 1,
      );
      let found = -1;
      while (position < size && found < 0) {
        const n = readSync(fd, probe, 0, probe.length, position);
        if (n <= 0) break;
        const at = probe.subarray(0, n).indexOf(10);
        if (at >= 0) found = position + at + 1;
        else position += n;
      }
      if (found < 0 || found >= size) break;
      if (found > (starts[starts.length - 1] as number)) starts.push(found);
    }
  } finally {
    closeSync(fd);
  }
  return starts;
}

/**
 * The Workers of one run, reused from one file to the next: a new Worker per file left each
 * finished one's heap to the allocator (10 files of 1 GB: 269 MiB peak; reused, with a GC after
 * each file: 222 MiB).
 */
export class RangeWorkers {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();

  constructor(private readonly url: string) {}

  run(job: RangeJob): Promise<RangeResult> {
    let worker = this.idle.pop();
    if (!worker) {
      worker = new Worker(this.url);
      this.all.add(worker);
    }
    const busy = worker;
    return new Promise((resolve, reject) => {
      busy.onmessage = (event: MessageEvent<PostedRange | { error: string }>) => {
        this.idle.push(busy);
        const data = event.data;
        if ("error" in data) reject(new Error(data.error));
        else resolve(fromPosted(data));
      };
      busy.onerror = (event) => {
        this.all.delete(busy);
        busy.terminate();
        reject(new Error(`worker failed: ${event.message}`));
      };
      busy.postMessage(job);
    });
  }

  close(): void {
    for (const worker of this.all) worker.terminate();
    this.all.clear();
    this.idle.length = 0;
  }
}

export interface FileAnalysis {
  summary: Summary;
  lineCount: number;
  ranges: number;
}

export async function analyzeFile(
  path: FilePath,
  size: number,
  settings: AnalysisSettings,
  threads: number,
  workers: RangeWorkers | undefined,
  minRangeBytes = defaultMinRangeBytes,
): Promise<FileAnalysis> {
  const perRange = Math.max(1, minRangeBytes);
  const parts = workers ? Math.max(1, Math.min(threads, Math.floor(size / perRange))) : 1;
  const starts = parts > 1 ? splitAtNewlines(path, size, parts) : [0];
  const engineModule = sharedScanModule();
  const jobs: RangeJob[] = starts.map((start, i) => ({
    path,
    start,
    end: starts[i + 1] ?? size,
    settings,
    ...(engineModule ? { engineModule } : {}),
  }));
  const last = jobs.pop() as RangeJob;
  const pending = jobs.map((job) => (workers as RangeWorkers).run(job));
  // Let the Workers receive their jobs before this thread starts its own range.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const mine = analyzeRange(last);
  const results = [...(await Promise.all(pending)), mine];
  let lineOffset = 0;
  let merged: Summary | undefined;
  for (const result of results) {
    for (const bad of result.summary.badExamples) bad.line += lineOffset;
    lineOffset += result.lineCount;
    merged = merged
      ? mergeSummaries(merged, result.summary, settings.badExampleLimit)
      : result.summary;
  }
  return { summary: merged as Summary, lineCount: lineOffset, ranges: results.length };
}
