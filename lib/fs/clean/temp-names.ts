/**
 * The temp file a compression writes before it becomes NAME.gz: NAME.gz.tmp.<12 hex>, unique per
 * attempt, so a temp left by a killed run (SIGKILL, power loss) never blocks a later one. A
 * leftover of this shape (or the NAME.gz.tmp of older versions) is removed by a later run once
 * nothing changed it for `staleTempMs`: a live compression writes to its temp all the time.
 */
import { randomBytes } from "node:crypto";
import { type FsPath, withSuffix } from "../path.ts";

/** Unchanged (ctime) for this long, a temp is a dead run's, not a concurrent one's. */
export const staleTempMs = 6 * 3_600_000;

const marker = ".gz.tmp";
const uniqueHexDigits = 12;
const uniqueTemp = /\.gz\.tmp\.[0-9a-f]{12}$/;

/** A fresh temp path for compressing `path` (created with O_EXCL by the caller). */
export function tempPathFor(path: FsPath): FsPath {
  const suffix = `${marker}.${randomBytes(uniqueHexDigits / 2).toString("hex")}`;
  return withSuffix(path, suffix);
}

/** The log name a temp name was made from, or undefined when `name` is not one of ours. */
export function logNameOfTemp(name: string): string | undefined {
  if (name.endsWith(marker)) return name.slice(0, -marker.length);
  if (uniqueTemp.test(name)) return name.slice(0, -(marker.length + 1 + uniqueHexDigits));
  return undefined;
}

/** logNameOfTemp on a name's bytes buf[start, end): where the log name ends, or -1. */
export function logEndOfTemp(buf: Uint8Array, start: number, end: number): number {
  if (endsWith(buf, start, end, marker)) return end - marker.length;
  const unique = end - uniqueHexDigits;
  if (unique - 1 < start || buf[unique - 1] !== 0x2e) return -1;
  for (let i = unique; i < end; i++) {
    const byte = buf[i] as number;
    if (!((byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66))) return -1;
  }
  return endsWith(buf, start, unique - 1, marker) ? unique - 1 - marker.length : -1;
}

function endsWith(buf: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start < text.length) return false;
  for (let i = 0; i < text.length; i++)
    if (buf[end - text.length + i] !== text.charCodeAt(i)) return false;
  return true;
}
