/**
 * The changes logclean makes, each guarded: a file is only removed or compressed if it is still
 * the very file that was examined (same inode, size and mtime), in a directory that is still the
 * one that was walked (not swapped for a symlink since).
 */
import {
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  futimesSync,
  linkSync,
  lstatSync,
  openSync,
  realpathSync,
  renameSync,
  unlinkSync,
} from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { PATH_MAX } from "../native/libc.ts";
import { type FsPath, toBytes } from "../path.ts";
import type { FileStat } from "../stat.ts";
import { tempPathFor } from "./temp-names.ts";

/** Why a planned change was not made: the file moved on, which is not a failure. */
export class Changed extends Error {
  override name = "Changed";
}

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
 * the walk read. Throws Changed otherwise.
 */
export function verifyDirectory(dir: FsPath, dev: number | undefined, ino: number | undefined) {
  const real =
    typeof dir === "string"
      ? realpathSync(dir)
      : (realpathSync(dir, { encoding: "buffer" }) as unknown as Buffer);
  const same = typeof dir === "string" ? real === dir : toBytes(real).equals(dir);
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
  const here = lstatSync(".");
  if (!here.isDirectory() || here.dev !== dev || here.ino !== ino) {
    process.chdir(previous);
    throw new Changed("directory was replaced since it was read (a symlink swapped in?)");
  }
  return () => process.chdir(previous);
}

/** Unlinks the file if it is still what was examined; returns the bytes freed. */
export function removeIfUnchanged(path: FsPath, seen: FileStat): number {
  const now = lstatSync(path);
  if (!sameFile(seen, now)) throw new Changed("changed since it was examined; left in place");
  unlinkSync(path);
  return now.size;
}

export interface Compressed {
  target: FsPath;
  /** original size - compressed size */
  bytesFreed: number;
  compressedSize: number;
}

/**
 * gzip PATH to PATH.gz atomically: write a temp of this attempt's own (temp-names.ts), fsync,
 * keep the original times, link it to PATH.gz (never over an existing one) and unlink it, fsync
 * the directory, then remove the original, which must not have changed meanwhile.
 */
export async function compressAtomically(
  path: FsPath,
  dir: FsPath,
  seen: FileStat,
): Promise<Compressed> {
  const target = archiveOf(path);
  const temp = tempPathFor(path);
  ensureReachableByPath(temp);
  ensureNoArchive(target);
  const source = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  let tempFd: number | undefined;
  let tempCreated = false;
  try {
    const opened = fstatSync(source);
    if (!sameFile(seen, opened)) throw new Changed("changed since it was examined; left in place");
    tempFd = openSync(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      seen.mode & 0o7777,
    );
    tempCreated = true;
    keepOwnerAndMode(tempFd, opened);
    await pipeline(
      createReadStream("", { fd: source, autoClose: false, start: 0 }),
      createGzip(),
      createWriteStream("", { fd: tempFd, autoClose: false }),
    );
    fsyncSync(tempFd);
    futimesSync(tempFd, seen.atime, seen.mtime);
    const compressedSize = fstatSync(tempFd).size;
    closeSync(tempFd);
    tempFd = undefined;
    // Written to while we compressed it: the .gz would lose lines, so keep the log instead.
    if (!sameFile(seen, fstatSync(source)) || !sameFile(seen, lstatSync(path)))
      throw new Changed("written to while being compressed; left in place");
    commitExclusively(temp, target);
    tempCreated = false;
    syncDirectory(dir);
    removeIfUnchanged(path, seen);
    return { target, bytesFreed: seen.size - compressedSize, compressedSize };
  } finally {
    if (tempFd !== undefined) closeSync(tempFd);
    closeSync(source);
    if (tempCreated) {
      try {
        unlinkSync(temp);
      } catch {
        // Already gone: nothing to clean up.
      }
    }
  }
}

/** Where compressing `path` puts it. */
export function archiveOf(path: FsPath): FsPath {
  return appendSuffix(path, ".gz");
}

/**
 * Compressing works by path (the walk and deletions by descriptor): where the temp, the longest
 * name it makes, would pass PATH_MAX, no call could reach it. Checked before anything is made.
 */
export function ensureCompressible(path: FsPath): void {
  ensureReachableByPath(tempPathFor(path));
}

function ensureReachableByPath(path: FsPath): void {
  if (toBytes(path).length < PATH_MAX) return;
  const error: NodeJS.ErrnoException = new Error(`path longer than PATH_MAX (${PATH_MAX} bytes)`);
  error.code = "ENAMETOOLONG";
  throw error;
}

/** An existing .gz is never overwritten: compressing onto it is an error (--dry-run says so too). */
export function ensureNoArchive(target: FsPath): void {
  if (exists(target)) throw archiveInTheWay("cannot compress: the .gz file already exists");
}

/** With the code the system gives such a clash (EEXIST), for --json and the logs. */
function archiveInTheWay(message: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(message);
  error.code = "EEXIST";
  return error;
}

/** Filesystems without hard links (vfat, some FUSE and SMB mounts) answer link() so. */
const noHardLinks = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

/**
 * temp becomes target only if no target exists: link() fails with EEXIST atomically, where a
 * check then rename() would overwrite a .gz created in between. Where there are no hard links,
 * the check and rename are the best the filesystem allows.
 */
function commitExclusively(temp: FsPath, target: FsPath): void {
  try {
    linkSync(temp, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (code !== "EEXIST" && !noHardLinks.has(code)) throw error;
    if (code === "EEXIST" || exists(target))
      throw archiveInTheWay("cannot compress: the .gz file appeared meanwhile");
    renameSync(temp, target);
    return;
  }
  unlinkSync(temp);
}

/**
 * Like gzip: the .gz belongs to the log's owner and group with its mode, not to whoever runs
 * logclean (root) under its umask, so what could read the log can read its archive. Giving a file
 * away needs root: elsewhere the .gz stays ours (EPERM), as gzip does.
 */
function keepOwnerAndMode(fd: number, log: { uid: number; gid: number; mode: number }): void {
  try {
    fchownSync(fd, log.uid, log.gid);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") throw error;
  }
  // After the chown, which clears set-id bits.
  fchmodSync(fd, log.mode & 0o7777);
}

function appendSuffix(path: FsPath, suffix: string): FsPath {
  return typeof path === "string" ? path + suffix : Buffer.concat([path, Buffer.from(suffix)]);
}

function exists(path: FsPath): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** The rename is only durable once the directory entry is on disk too. */
function syncDirectory(dir: FsPath): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
