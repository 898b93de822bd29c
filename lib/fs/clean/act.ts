/**
 * The changes logclean makes, each guarded: a file is only removed or compressed if it is still
 * the very file that was examined (same inode, size and mtime), in a directory that is still the
 * one that was walked (not swapped for a symlink since).
 */
import { lstatSync, realpathSync, unlinkSync } from "node:fs";
import { NAME_MAX, PATH_MAX } from "../native/libc.ts";
import { type FsPath, sameTextPath, toBytes, withSuffix } from "../path.ts";
import type { FileStat } from "../stat.ts";
import { tempPathFor } from "./temp-names.ts";

/** Why a planned change was not made: the file moved on, which is not a failure. */
export class Changed extends Error {
  override name = "Changed";
}

/** The reasons given for the usual Changed (one wording wherever the check runs). */
export const changedReasons = {
  file: "changed since it was examined; left in place",
  dirSwapped: "directory was replaced by a symlink or a file since it was read",
  dirReplaced: "directory was replaced since it was read (a symlink swapped in?)",
  root: "root directory was replaced since the walk started",
} as const;

export function sameFile(seen: FileStat, now: FileStat): boolean {
  return (
    now.isFile() &&
    now.ino === seen.ino &&
    now.dev === seen.dev &&
    now.size === seen.size &&
    now.mtimeMs === seen.mtimeMs
  );
}

/**
 * The directory still resolves to itself (no component became a symlink) and is the same inode
 * the walk read. Throws Changed otherwise. node:fs only (the native layer opens directories below
 * the root's descriptor instead, beneath-root.ts): this holds when it is checked, but the steps
 * after it look the path up again, so a component swapped for a symlink after the check is
 * followed.
 */
export function verifyDirectory(dir: FsPath, dev: number | undefined, ino: number | undefined) {
  const real =
    typeof dir === "string"
      ? realpathSync(dir)
      : (realpathSync(dir, { encoding: "buffer" }) as unknown as Buffer);
  const same =
    typeof dir === "string" ? sameTextPath(real as string, dir) : toBytes(real).equals(dir);
  if (!same) throw new Changed("directory now resolves elsewhere (a symlink was swapped in)");
  const stat = lstatSync(dir);
  if (
    !stat.isDirectory() ||
    (dev !== undefined && stat.dev !== dev) ||
    (ino !== undefined && stat.ino !== ino)
  )
    throw new Changed("directory was replaced since it was read");
}

/**
 * Works from inside the directory: chdir there, check "." is the inode the walk read, and hand
 * back a way out. Relative names then cost no path walk per syscall (find -delete's unlinkat
 * advantage) and no parent component swapped for a symlink can redirect them. Undefined when the
 * path is raw bytes (process.chdir takes text): the caller falls back to verifyDirectory.
 * node:fs only. chdir follows symlinks on the way, so a directory of the root moved out whole,
 * with a symlink to its new place left where it was, is entered where it went (still the inode
 * the walk read): the working directory's own path, canonical, tells, and it is refused as the
 * native layer refuses it (remover.ts). Once inside, relative names cannot be redirected.
 */
export function enterDirectory(
  dir: FsPath,
  dev: number | undefined,
  ino: number | undefined,
): (() => void) | undefined {
  if (typeof dir !== "string" || dev === undefined || ino === undefined) return undefined;
  let previous = "/";
  try {
    previous = process.cwd();
  } catch {
    // The working directory was removed: come back to / instead.
  }
  process.chdir(dir);
  try {
    const here = lstatSync(".");
    if (!here.isDirectory() || here.dev !== dev || here.ino !== ino)
      throw new Changed(changedReasons.dirReplaced);
    // chdir follows symlinks on the way: the directory moved out of the root whole, a symlink
    // to it planted, keeps its dev/ino. The walk's paths are canonical (the root is a realpath
    // and no symlink is entered), so where we landed must be that very path. (getcwd fails,
    // ENOENT, if the directory was removed meanwhile.)
    if (!sameTextPath(process.cwd(), dir)) throw new Changed(changedReasons.dirSwapped);
  } catch (error) {
    // Whatever failed, the process must not stay here (a relative --metrics-textfile...).
    process.chdir(previous);
    throw error;
  }
  return () => process.chdir(previous);
}

/** Unlinks the file if it is still what was examined; returns the bytes freed. */
export function removeIfUnchanged(path: FsPath, seen: FileStat): number {
  const now = lstatSync(path);
  if (!sameFile(seen, now)) throw new Changed(changedReasons.file);
  unlinkSync(path);
  return bytesFreedBy(now);
}

/** What removing a file gives back: nothing while another hard link keeps its data. */
export function bytesFreedBy(stat: FileStat): number {
  return stat.nlink > 1 ? 0 : stat.size;
}

/** Where compressing `path` puts it. */
export function archiveOf(path: FsPath): FsPath {
  return withSuffix(path, ".gz");
}

/**
 * A log whose temp (the longest name compressing makes) would pass PATH_MAX, or NAME_MAX as a
 * name, is not compressed: the node:fs way (compress-by-path.ts) could not reach it, no system
 * creates such a name, and the descriptor way refuses it alike so every system and --dry-run
 * report the same. Checked before anything is made.
 */
export function ensureCompressible(path: FsPath): void {
  const temp = toBytes(tempPathFor(path));
  if (temp.length >= PATH_MAX)
    throw new NotCompressible(`path longer than PATH_MAX (${PATH_MAX} bytes); left in place`);
  if (temp.length - temp.lastIndexOf(0x2f) - 1 > NAME_MAX)
    throw new NotCompressible(
      `name longer than NAME_MAX (${NAME_MAX} bytes) with the temp's suffix .gz.tmp.<12 hex>; left in place`,
    );
}

/** Why ensureCompressible refused a log (ENAMETOOLONG), worded for the report as it is. */
export class NotCompressible extends Error {
  readonly code = "ENAMETOOLONG";
}

/** An existing .gz is never overwritten: compressing onto it is an error (--dry-run says so too). */
export function ensureNoArchive(target: FsPath): void {
  if (exists(target)) throw archiveInTheWay("cannot compress: the .gz file already exists");
}

/** With the code the system gives such a clash (EEXIST), for --json and the logs. */
export function archiveInTheWay(message: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(message);
  error.code = "EEXIST";
  return error;
}

/** lstat finds something at `path` (ENOENT: nothing; any other failure is thrown). */
export function exists(path: FsPath): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
