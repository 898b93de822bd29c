/**
 * Cuts a plain file into pieces at line boundaries that this thread and the Workers take one at a
 * time, then merges their summaries. Bad-line numbers are shifted by the lines of the pieces
 * before theirs, so they are the file's real line numbers.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { sharedScanModule } from "./engine/scan-engine.ts";
import type { FilePath } from "./inputs.ts";
import {
  type AnalysisSettings,
  analyzeRange,
  type BetweenPieces,
  fromPosted,
  type PieceLines,
  type PostedRange,
  type RangeJob,
  type RangeResult,
} from "./range.ts";
import { type BadLine, mergeSummaries, type Summary } from "./summary.ts";

/**
 * Smallest range per thread by default (--min-range): measured on 2 cores (bench/RESULTS.md), a
 * second thread made a 100 MB file 12% slower (each Worker warms up its own JIT), broke even at
 * 200 MB and paid from 300 MB.
 */
export const defaultMinRangeBytes = 128 << 20;

/** Range starts: 0 and the byte after the first newline at or past each even split point. */
export function splitAtNewlines(path: FilePath, size: number, parts: number): number[] {
  const starts = [0];
  if (parts <= 1) return starts;
  const fd = openSync(path, "r");
  try {
    const probe = new Uint8Array(4096);
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
  /** Threads that read part of the file. */
  ranges: number;
  /** Pieces the file was cut into. */
  pieces: number;
  /** Bytes of the file the pieces read cover (less than its size after a stop). */
  bytesRead: number;
}

/**
 * The size of the pieces threads take one at a time: an eighth of the smallest range, at most
 * 16 MiB. A thread finishing last waits at most one piece longer than the others (~40 ms), where
 * a fixed half each left one core up to 0.6 s behind the other on this noisy 2-core machine.
 */
export function pieceBytes(minRangeBytes: number): number {
  return Math.min(16 << 20, Math.max(64 << 10, Math.floor(minRangeBytes / 8)));
}

export async function analyzeFile(
  path: FilePath,
  size: number,
  settings: AnalysisSettings,
  threads: number,
  workers: RangeWorkers | undefined,
  minRangeBytes = defaultMinRangeBytes,
  main: BetweenPieces = {},
): Promise<FileAnalysis> {
  const perRange = Math.max(1, minRangeBytes);
  const parts = workers ? Math.max(1, Math.min(threads, Math.floor(size / perRange))) : 1;
  // In pieces even on one thread: a stop (Ctrl-C) is seen between two pieces.
  const starts = splitAtNewlines(
    path,
    size,
    Math.max(parts, Math.ceil(size / pieceBytes(perRange))),
  );
  const engineModule = sharedScanModule();
  const job: RangeJob = {
    path,
    starts,
    end: size,
    next: new Int32Array(new SharedArrayBuffer(4)),
    settings,
    ...(engineModule ? { engineModule } : {}),
  };
  const pending = Array.from({ length: parts - 1 }, () => (workers as RangeWorkers).run(job));
  // Let the Workers receive the job before this thread starts taking pieces.
  if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 0));
  const mine = await analyzeRange(job, 0, main);
  const results = [...(await Promise.all(pending)), mine].filter((r) => r.pieces.length > 0);
  const badExamples = numberBadLines(results, starts.length);
  let merged: Summary | undefined;
  for (const result of results)
    merged = merged
      ? mergeSummaries(merged, result.summary, settings.badExampleLimit)
      : result.summary;
  const summary = merged as Summary;
  summary.badExamples = badExamples.slice(0, settings.badExampleLimit);
  // A stop hands out no more pieces: those read are the first ones (see analyzeRange).
  const read = Math.max(...results.map((r) => Math.max(...r.pieces.map((p) => p.index)))) + 1;
  const bytesRead = starts[read] ?? size;
  return { summary, ranges: results.length, pieces: starts.length, bytesRead };
}

/**
 * The bad examples of all threads with the file's own line numbers, in file order: each
 * thread's are numbered within their piece, and a piece's lines follow all earlier pieces'.
 */
export function numberBadLines(
  results: { summary: Pick<Summary, "badExamples">; pieces: PieceLines[] }[],
  pieceCount: number,
): BadLine[] {
  const firstLine = new Array<number>(pieceCount).fill(0);
  for (const result of results)
    for (const piece of result.pieces) firstLine[piece.index] = piece.lines;
  let linesBefore = 0;
  for (let i = 0; i < pieceCount; i++) {
    const lines = firstLine[i] as number;
    firstLine[i] = linesBefore;
    linesBefore += lines;
  }
  const badExamples: BadLine[] = [];
  for (const { summary, pieces } of results) {
    let p = 0;
    for (const [i, bad] of summary.badExamples.entries()) {
      while (p + 1 < pieces.length && (pieces[p + 1] as PieceLines).badBefore <= i) p++;
      badExamples.push({
        ...bad,
        line: bad.line + (firstLine[(pieces[p] as PieceLines).index] as number),
      });
    }
  }
  badExamples.sort((a, b) => a.line - b.line);
  return badExamples;
}
