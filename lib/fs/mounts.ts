import { readFileSync } from "node:fs";
import { type FsPath, isUtf8 } from "./path.ts";

/**
 * Mount points from /proc/self/mountinfo, as mountKey()s. A bind mount keeps the device number of
 * its source, so comparing st_dev alone misses it: this list does not.
 */
export function readMountPoints(file = "/proc/self/mountinfo"): Set<string> {
  let text: string;
  try {
    // latin1: one char per byte, so a mount point that is not UTF-8 keeps its exact bytes.
    text = readFileSync(file, "latin1");
  } catch {
    return new Set();
  }
  const points = new Set<string>();
  for (const line of text.split("\n")) {
    const field = line.split(" ")[4];
    if (field) points.add(mountKey(Buffer.from(unescapeOctal(field), "latin1")));
  }
  return points;
}

/**
 * How a path is looked up among the mount points: a text path as itself, raw bytes (a path that
 * is not UTF-8, as the walker gives it) as NUL + their latin1 text, which no text path can equal.
 */
export function mountKey(path: FsPath): string {
  if (typeof path === "string") return path;
  return isUtf8(path) ? path.toString("utf8") : `\0${path.toString("latin1")}`;
}

/** mountinfo writes space, tab, newline and backslash as \040 \011 \012 \134. */
function unescapeOctal(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, code: string) => String.fromCharCode(parseInt(code, 8)));
}
