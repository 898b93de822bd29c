import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";

/**
 * node_exporter's textfile collector reads *.prom files at any moment: write a temp file in
 * the same directory, fsync, then rename, so it never sees half a file.
 */
export function writeTextfile(path: string, exposition: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temp, "w", 0o644);
    try {
      writeSync(fd, exposition);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // The temp file may never have been created.
    }
    throw new Error(`--metrics-textfile ${path}: ${(error as Error).message}`);
  }
}
