import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../fs/write-atomic.ts";

/**
 * node_exporter's textfile collector reads *.prom files at any moment: the file is replaced
 * whole (writeFileAtomic), never seen half written. The families named in
 * `keep` that the exposition lacks are carried forward from the file it replaces (a failed
 * run's last success is the previous file's, as a Pushgateway POST would keep it).
 */
export function writeTextfile(
  path: string,
  exposition: string,
  keep: readonly string[] = [],
): void {
  try {
    writeFileAtomic(path, exposition + carriedForward(path, exposition, keep));
  } catch (error) {
    throw new Error(`--metrics-textfile ${path}: ${(error as Error).message}`);
  }
}

/** The lines (HELP, TYPE, samples) of each `keep` family the old file has and the new text lacks. */
function carriedForward(path: string, exposition: string, keep: readonly string[]): string {
  const missing = keep.filter((name) => !familyLines(exposition, name).length);
  if (missing.length === 0) return "";
  let previous: string;
  try {
    previous = readFileSync(path, "utf8");
  } catch {
    return ""; // No file yet (or unreadable: replacing it will say so if it matters).
  }
  return missing.flatMap((name) => familyLines(previous, name).map((line) => `${line}\n`)).join("");
}

function familyLines(text: string, name: string): string[] {
  return text
    .split("\n")
    .filter(
      (line) =>
        line.startsWith(`# HELP ${name} `) ||
        line.startsWith(`# TYPE ${name} `) ||
        line.startsWith(`${name} `) ||
        line.startsWith(`${name}{`),
    );
}
