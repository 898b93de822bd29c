import { readFileSync } from "node:fs";

/**
 * Mount points from /proc/self/mountinfo. A bind mount keeps the device number of its source,
 * so comparing st_dev alone misses it: this list does not.
 */
export function readMountPoints(file = "/proc/self/mountinfo"): Set<string> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return new Set();
  }
  const points = new Set<string>();
  for (const line of text.split("\n")) {
    const field = line.split(" ")[4];
    if (field) points.add(unescapeOctal(field));
  }
  return points;
}

/** mountinfo writes space, tab, newline and backslash as \040 \011 \012 \134. */
function unescapeOctal(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, code: string) => String.fromCharCode(parseInt(code, 8)));
}
