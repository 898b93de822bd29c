/**
 * Pieces of one plain file through one Analyzer: the unit a Worker runs. Every thread takes the
 * next free piece from a shared counter until none is left, so a thread on a slower or busier
 * core does less of the file instead of making the rest wait for it.
 */

import { nextTurn } from "../cli/next-turn.ts";
import { Analyzer, type RecordView, type TableGroup } from "./analyzer.ts";
import type { FilterSpec } from "./filter.ts";
import { compileFormat, type Escape } from "./format.ts";
import { type FilePath, pathText } from "./inputs.ts";
import { feedFileRange, LineFeeder } from "./reader.ts";
import type { Summary } from "./summary.ts";

export interface AnalysisSettings {
  formatText: string;
  escape: Escape;
  formatName: string;
  filter: FilterSpec;
  bucketSeconds: number;
  topCapacity: number;
  badExampleLimit: number;
  only: TableGroup[];
}

export interface RangeJob {
  path: FilePath;
  /** Where each piece starts (at a line start); a piece ends where the next starts, the last at end. */
  starts: number[];
  end: number;
  /** Index of the next piece to take, shared by the threads (a SharedArrayBuffer). */
  next: Int32Array;
  settings: AnalysisSettings;
  /** The compiled WebAssembly engine, shared with a Worker (engine/scan-engine.ts). */
  engineModule?: WebAssembly.Module;
}

/** One piece a thread read: its lines shift the line numbers of the pieces after it. */
export interface PieceLines {
  index: number;
  lines: number;
  /** The summary's bad examples from before this piece (theirs are numbered from its start). */
  badBefore: number;
}

export interface RangeResult {
  summary: Summary;
  /** The pieces in the order this thread read them; bad examples are numbered within each. */
  pieces: PieceLines[];
}

/**
 * A RangeResult as a Worker posts it: the summary as JSON text (what --state writes, so nothing
 * is lost). A structured clone of a summary took about three times its JSON size, and most of
 * the peak memory of the run: ~1440 timeline sketches are half a million numbers.
 */
export interface PostedRange {
  summaryJson: string;
  pieces: PieceLines[];
}

export function toPosted(result: RangeResult): PostedRange {
  return { summaryJson: JSON.stringify(result.summary), pieces: result.pieces };
}

export function fromPosted(posted: PostedRange): RangeResult {
  return { summary: JSON.parse(posted.summaryJson) as Summary, pieces: posted.pieces };
}

export function newAnalyzer(
  settings: AnalysisSettings,
  onRecord?: (record: RecordView) => void,
): Analyzer {
  return new Analyzer({
    ...(onRecord ? { onRecord } : {}),
    format: compileFormat(settings.formatText, settings.escape, settings.formatName),
    filter: settings.filter,
    bucketSeconds: settings.bucketSeconds,
    topCapacity: settings.topCapacity,
    badExampleLimit: settings.badExampleLimit,
    only: settings.only,
  });
}

/**
 * The next free piece, or -1 when none is left for this thread. A Worker leaves the last piece
 * to the main thread: its summary still has to be posted and parsed there (~50 ms more than
 * the main thread's own), about the time of one piece.
 */
function takePiece(job: RangeJob, leave: number): number {
  for (;;) {
    const index = Atomics.load(job.next, 0);
    if (index >= job.starts.length - leave) return -1;
    if (Atomics.compareExchange(job.next, 0, index, index + 1) === index) return index;
  }
}

/** What only the main thread does between its pieces. */
export interface BetweenPieces {
  signal?: AbortSignal;
  /** Bytes of the file handed out so far (read or being read, by any thread). */
  onProgress?: (bytes: number) => void;
}

/**
 * Reads pieces of the job's file until none is left. A Worker passes leave = 1 (takePiece). The
 * main thread passes `main`: it reports progress and lets the event loop run after each piece (a
 * Ctrl-C's handler runs there), and once the signal aborts it hands out no more pieces, so every
 * thread stops after the piece it is reading. The pieces read are then the file's first ones.
 */
export async function analyzeRange(
  job: RangeJob,
  leave = 0,
  main?: BetweenPieces,
): Promise<RangeResult> {
  const analyzer = newAnalyzer(job.settings);
  // A Buffer posted to a Worker arrives as a plain Uint8Array.
  const path = typeof job.path === "string" ? job.path : Buffer.from(job.path);
  const name = pathText(path);
  analyzer.source = name;
  const feeder = new LineFeeder(analyzer);
  const pieces: PieceLines[] = [];
  for (;;) {
    const index = takePiece(job, leave);
    const start = job.starts[index];
    if (start === undefined) break;
    const badBefore = analyzer.badExamples.length;
    feeder.lineNumber = 1;
    feedFileRange(path, start, job.starts[index + 1] ?? job.end, feeder);
    feeder.finish();
    pieces.push({ index, lines: feeder.lineNumber - 1, badBefore });
    if (main) {
      main.onProgress?.(job.starts[Atomics.load(job.next, 0)] ?? job.end);
      await nextTurn();
      if (main.signal?.aborted) {
        Atomics.store(job.next, 0, job.starts.length);
        break;
      }
    }
  }
  return { summary: analyzer.summary([name]), pieces };
}
