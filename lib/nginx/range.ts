/** One byte range of one plain file through one Analyzer: the unit a Worker runs. */
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
  start: number;
  end: number;
  settings: AnalysisSettings;
  /** The compiled WebAssembly engine, shared with a Worker (engine/scan-engine.ts). */
  engineModule?: WebAssembly.Module;
}

export interface RangeResult {
  summary: Summary;
  /** Newlines seen: shifts the next range's line numbers. */
  lineCount: number;
}

/**
 * A RangeResult as a Worker posts it: the summary as JSON text (what --state writes, so nothing
 * is lost). A structured clone of a summary took about three times its JSON size, and most of
 * the peak memory of the run: ~1440 timeline sketches are half a million numbers.
 */
export interface PostedRange {
  summaryJson: string;
  lineCount: number;
}

export function toPosted(result: RangeResult): PostedRange {
  return { summaryJson: JSON.stringify(result.summary), lineCount: result.lineCount };
}

export function fromPosted(posted: PostedRange): RangeResult {
  return { summary: JSON.parse(posted.summaryJson) as Summary, lineCount: posted.lineCount };
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

export function analyzeRange(job: RangeJob): RangeResult {
  const analyzer = newAnalyzer(job.settings);
  // A Buffer posted to a Worker arrives as a plain Uint8Array.
  const path = typeof job.path === "string" ? job.path : Buffer.from(job.path);
  const name = pathText(path);
  analyzer.source = name;
  const feeder = new LineFeeder(analyzer);
  feedFileRange(path, job.start, job.end, feeder);
  feeder.finish();
  return { summary: analyzer.summary([name]), lineCount: feeder.lineNumber - 1 };
}
