/**
 * Runs an analysis over every source in order: big plain files in parallel byte ranges, .gz and
 * stdin streamed through one analyzer, and merges everything into one Summary.
 */

import { withSpan } from "../telemetry/span.ts";
import type { RecordView } from "./analyzer.ts";
import { pathText, type Source } from "./inputs.ts";
import { analyzeFile, RangeWorkers } from "./parallel.ts";
import { type AnalysisSettings, newAnalyzer } from "./range.ts";
import {
  feedFileRangeYielding,
  feedStream,
  gunzipFile,
  isGzip,
  LineFeeder,
  streamFile,
} from "./reader.ts";
import { mergeSummaries, type Summary } from "./summary.ts";

export interface AnalyzeOptions {
  sources: Source[];
  settings: AnalysisSettings;
  threads: number;
  /** Smallest byte range per thread (default: parallel.ts defaultMinRangeBytes). */
  minRangeBytes?: number;
  /** The module a Worker starts (the tool's own entry); undefined = this thread only. */
  workerUrl?: string;
  stdin?: AsyncIterable<Uint8Array>;
  signal?: AbortSignal;
  /** Every accepted record (exports): forces a single in-order pass. */
  onRecord?: (record: RecordView) => void;
  /** During a plain file: bytes of it read so far (about every 16 MiB), and its size. */
  onProgress?: (source: string, bytes: number, size: number) => void;
  /** After each source: bytes read so far, how many threads read it and in how many pieces. */
  onSourceDone?: (source: string, bytes: number, ranges: number, pieces: number) => void;
}

export interface AnalyzeResult {
  summary: Summary;
  /** "source: reason" for sources that failed while being read (e.g. corrupt gzip). */
  errors: string[];
  bytesRead: number;
  /**
   * A stop (options.signal) came before the end of a file or with sources left: the counts cover
   * part of the input. A stream (stdin, a pipe) has no end but the stop, so it does not count.
   */
  stopped: boolean;
}

export async function analyzeSources(options: AnalyzeOptions): Promise<AnalyzeResult> {
  const { settings } = options;
  let merged: Summary | undefined;
  const errors: string[] = [];
  let bytesRead = 0;
  let stopped = false;
  const add = (summary: Summary) => {
    merged = merged ? mergeSummaries(merged, summary, settings.badExampleLimit) : summary;
  };
  async function analyzeOne(source: Source, name: string): Promise<void> {
    let gzip: boolean;
    try {
      gzip =
        (source.kind === "pipe" && source.gzip) ||
        (source.kind === "file" && (source.gzip || (source.size > 1 && isGzip(source.path))));
    } catch (error) {
      // Gone since it was listed (logrotate), or unreadable: this source fails, not the run.
      errors.push(`${name}: ${(error as Error).message}`);
      return;
    }
    const parallel = source.kind === "file" && !gzip && !options.onRecord && options.threads > 1;
    try {
      if (parallel && source.kind === "file") {
        const result = await analyzeFile(
          source.path,
          source.size,
          settings,
          options.threads,
          workers,
          options.minRangeBytes,
          {
            ...(options.signal ? { signal: options.signal } : {}),
            onProgress: (bytes) => options.onProgress?.(name, bytes, source.size),
          },
        );
        add(result.summary);
        bytesRead += result.bytesRead;
        if (result.bytesRead < source.size) stopped = true;
        options.onSourceDone?.(name, bytesRead, result.ranges, result.pieces);
        return;
      }
    } catch (error) {
      errors.push(`${name}: ${(error as Error).message}`);
      return;
    }
    // One in-order pass; what was read before an error (say a truncated .gz) still counts.
    const analyzer = newAnalyzer(settings, options.onRecord);
    analyzer.source = name;
    const feeder = new LineFeeder(analyzer);
    let failed = false;
    try {
      if (source.kind === "stdin")
        await feedStream(options.stdin ?? process.stdin, feeder, options.signal);
      else if (gzip) {
        // A named pipe has no size to count towards.
        const size = source.kind === "file" ? source.size : undefined;
        const onRead =
          size === undefined
            ? undefined
            : (bytes: number) => options.onProgress?.(name, bytes, size);
        await feedStream(await gunzipFile(source.path, onRead), feeder, options.signal);
      } else if (source.kind === "pipe")
        await feedStream(await streamFile(source.path), feeder, options.signal);
      else
        await feedFileRangeYielding(source.path, 0, source.size, feeder, options.signal, (at) =>
          options.onProgress?.(name, at, source.size),
        );
    } catch (error) {
      errors.push(`${name}: ${(error as Error).message}`);
      failed = true;
    }
    // A stop (Ctrl-C, stdout gone) or a read that failed (a truncated .gz) leaves the line the
    // last read cut in two: not a bad line (the source's error is reported already).
    if (!options.signal?.aborted && !failed) feeder.finish();
    // A .gz is a file too, with an end: stopped inside it, it was not read whole.
    if (
      options.signal?.aborted &&
      source.kind === "file" &&
      (gzip || feeder.bytesRead < source.size)
    )
      stopped = true;
    add(analyzer.summary([name]));
    bytesRead += feeder.bytesRead;
    options.onSourceDone?.(name, bytesRead, 1, 1);
  }
  // One set of Workers for the whole run (see RangeWorkers), created with the first big file.
  const workers = options.workerUrl ? new RangeWorkers(options.workerUrl) : undefined;
  try {
    for (const [index, source] of options.sources.entries()) {
      if (options.signal?.aborted) {
        stopped = true;
        break;
      }
      const name = source.kind === "stdin" ? "-" : pathText(source.path);
      // One span per source (a no-op without OTLP).
      await withSpan("analyze source", { "opsctl.source": name }, async (span) => {
        const errorsBefore = errors.length;
        const bytesBefore = bytesRead;
        await analyzeOne(source, name);
        span.setAttributes({ "opsctl.bytes_read": bytesRead - bytesBefore });
        if (errors.length > errorsBefore) span.fail(errors.slice(errorsBefore).join("; "));
      });
      // This source's analyzers are garbage: collect before the next so memory stays flat.
      if (index < options.sources.length - 1) Bun.gc(true);
    }
  } finally {
    workers?.close();
  }
  if (!merged) {
    const analyzer = newAnalyzer(settings);
    merged = analyzer.summary([]);
  }
  return { summary: merged, errors, bytesRead, stopped };
}
