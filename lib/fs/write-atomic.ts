/**
 * Replaces a regular file all at once: the text goes to a temp file beside it, is fsynced and
 * renamed over it, so a reader (node_exporter's textfile collector, tomorrow's `nginxlog merge`)
 * never sees half a file and a run killed or out of disk mid-write leaves the old one intact.
 * The replaced file's mode is kept. A path that is not a regular file (/dev/stdout, a FIFO) is
 * written in place, as it would be without this: renaming over it would replace it.
 * The path may be raw bytes (a name that is not UTF-8): the temp beside it is named by bytes too.
 */
import {
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { type FsPath, withSuffix } from "./path.ts";
import { writeAllSync } from "./write-all.ts";

export function writeFileAtomic(path: FsPath, text: string): void {
  let target = path;
  let mode = 0o644;
  try {
    // Through a symlink to the file it names: the link stays, the file is replaced.
    // A byte path's link is resolved to bytes: as text its target would lose them.
    if (lstatSync(path).isSymbolicLink())
      target = typeof path === "string" ? realpathSync(path) : realpathSync(path, "buffer");
    const existing = statSync(target);
    if (!existing.isFile()) {
      writeFileSync(path, text);
      return;
    }
    mode = existing.mode & 0o7777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const temp = withSuffix(target, `.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openTemp(temp, mode);
  } catch (error) {
    // A file we may write in a directory we may not: replaced in place, as before.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
      writeFileSync(path, text);
      return;
    }
    throw error;
  }
  try {
    try {
      writeAllSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Already gone.
    }
    throw error;
  }
}

/**
 * Creates the temp file (O_EXCL: never through a symlink planted there). One left by a run
 * killed mid-write with the same pid (a container's pid 1 every time) is removed first:
 * no live process has our pid, and refusing would fail every later run.
 */
function openTemp(temp: FsPath, mode: number): number {
  try {
    return openSync(temp, "wx", mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    unlinkSync(temp);
    return openSync(temp, "wx", mode);
  }
}
