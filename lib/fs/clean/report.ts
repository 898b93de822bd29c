/** logclean's lines: one per action for people, NDJSON records for machines, and the summary. */
import { displayPath, escapeControlChars, type FsPath, isUtf8, toText } from "../path.ts";
import { isoTime } from "../stat.ts";
import type { CleanEvent, CleanSummary } from "./clean.ts";

export function formatEvent(event: CleanEvent, now: number): string {
  const path = displayPath(event.path);
  switch (event.event) {
    case "delete":
    case "compress": {
      const verb = event.event === "delete" ? "deleted" : "compressed";
      const age = `${((now - event.mtimeMs) / 86_400_000).toFixed(1)}d old`;
      const prefix = event.dryRun
        ? `would ${event.event === "delete" ? "delete" : "compress"}`
        : verb;
      return `${prefix} ${path} (${formatBytes(event.size)}, ${age})`;
    }
    case "skip":
      return `skipped ${path}: ${escapeControlChars(event.reason)}`;
    case "error":
      // A message of the system's may name the path again, raw.
      return `${path}: ${escapeControlChars(event.message)}`;
  }
}

export function eventRecord(event: CleanEvent): Record<string, unknown> {
  const record: Record<string, unknown> = { event: event.event, ...pathFields("path", event.path) };
  if (event.event === "delete" || event.event === "compress") {
    record.size = event.size;
    record.mtime = isoTime(event.mtimeMs);
    record.dry_run = event.dryRun;
    record.bytes_freed = event.bytesFreed;
    if (event.target !== undefined) Object.assign(record, pathFields("target", event.target));
  } else if (event.event === "skip") {
    record.reason = event.reason;
  } else if (event.event === "error") {
    record.op = event.op;
    record.code = event.code;
    record.message = event.message;
  }
  return record;
}

/** A path as JSON text, plus its exact bytes (base64) when it is not UTF-8. */
function pathFields(key: string, path: FsPath): Record<string, string> {
  const fields: Record<string, string> = { [key]: toText(path) };
  if (typeof path !== "string" && !isUtf8(path)) fields[`${key}_base64`] = path.toString("base64");
  return fields;
}

export function summaryRecord(summary: CleanSummary): Record<string, unknown> {
  return {
    event: "summary",
    scanned: summary.scanned,
    dirs: summary.dirs,
    matched: summary.matched,
    deleted: summary.deleted,
    compressed: summary.compressed,
    skipped: summary.skipped,
    errors: summary.errors,
    bytes_freed: summary.bytesFreed,
    dry_run: summary.dryRun,
    duration_seconds: Number(summary.durationSeconds.toFixed(3)),
    ...(summary.valve
      ? {
          max_delete_exceeded: {
            would_delete: summary.valve.wouldDelete,
            max_delete: summary.valve.maxDelete,
          },
        }
      : {}),
  };
}

export function formatSummary(summary: CleanSummary): string {
  const parts = [
    `scanned ${summary.scanned} entries in ${summary.dirs} dirs`,
    `matched ${summary.matched}`,
    `${summary.dryRun ? "would delete" : "deleted"} ${summary.deleted}`,
    `compressed ${summary.compressed}`,
    `freed ${formatBytes(summary.bytesFreed)}`,
    `skipped ${summary.skipped}`,
    `errors ${summary.errors}`,
    `${summary.durationSeconds.toFixed(2)}s`,
  ];
  const valve = summary.valve
    ? ` -- stopped by --max-delete ${summary.valve.maxDelete} (${summary.valve.wouldDelete} would be deleted), nothing changed`
    : "";
  return `logclean${summary.dryRun ? " (dry run)" : ""}: ${parts.join(", ")}${valve}`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
