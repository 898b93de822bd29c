/**
 * gzip a log to NAME.gz atomically, as gzip and logrotate leave it: write a temp of this
 * attempt's own (temp-names.ts) with the log's owner, mode and times, fsync it, link it to
 * NAME.gz (never over an existing one) and unlink it, fsync the directory, then remove the log,
 * which must not have changed meanwhile. Every step goes through a CompressSite: on Linux, names
 * in a descriptor of the directory the walk read (compress-in-directory.ts), like deletions;
 * elsewhere, paths (compress-by-path.ts).
 */
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  futimesSync,
  read,
  write,
} from "node:fs";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGzip } from "node:zlib";
import type { FsPath } from "../path.ts";
import type { FileStat } from "../stat.ts";
import { archiveInTheWay, Changed, changedReasons, ensureCompressible, sameFile } from "./act.ts";
import type { OpenRoot } from "./beneath-root.ts";
import { CompressByPath } from "./compress-by-path.ts";
import { CompressInDirectory } from "./compress-in-directory.ts";

export interface Compressed {
  target: FsPath;
  /** original size - compressed size */
  bytesFreed: number;
  compressedSize: number;
}

/** Where one compression's files (the log, its temp, its .gz) are, and how each step reaches them. */
export interface CompressSite {
  /** The .gz's path, for the report. */
  readonly archive: FsPath;
  archiveExists(): boolean;
  /** The log, for reading; a symlink is refused (ELOOP). */
  openLog(): number;
  /** The temp for writing, created here (O_EXCL: never an existing file or a symlink's target). */
  createTemp(mode: number): number;
  /** lstat of the log now. */
  statLog(): FileStat;
  /** link(2): fails with EEXIST, atomically, where the .gz exists. */
  linkTempToArchive(): void;
  renameTempToArchive(): void;
  unlinkTemp(): void;
  /** The new directory entries are only durable once the directory is on disk too. */
  syncDirectory(): void;
  /** Unlinks the log if it is still the examined file; throws Changed otherwise. */
  removeLogIfUnchanged(seen: FileStat): void;
  close(): void;
}

/**
 * Compresses the log at `path`, examined as `seen`, in the directory `dir` the walk read as
 * (dev, ino) below `root` (undefined without the native layer). Throws Changed (a skip, not a
 * failure) where the log or its directory moved on.
 */
export async function compressLog(
  root: OpenRoot | undefined,
  dir: FsPath,
  dev: number | undefined,
  ino: number | undefined,
  path: FsPath,
  seen: FileStat,
): Promise<Compressed> {
  ensureCompressible(path);
  const site =
    CompressInDirectory.open(root, dir, dev, ino, path) ?? CompressByPath.open(dir, dev, ino, path);
  try {
    return await compressAtomically(site, seen);
  } finally {
    site.close();
  }
}

async function compressAtomically(site: CompressSite, seen: FileStat): Promise<Compressed> {
  if (site.archiveExists()) throw archiveInTheWay("cannot compress: the .gz file already exists");
  const source = site.openLog();
  let tempFd: number | undefined;
  let tempCreated = false;
  try {
    const opened = fstatSync(source);
    if (!sameFile(seen, opened)) throw new Changed(changedReasons.file);
    tempFd = site.createTemp(seen.mode & 0o7777);
    tempCreated = true;
    keepOwnerAndMode(tempFd, opened);
    await gzipInto(source, tempFd);
    fsyncSync(tempFd);
    futimesSync(tempFd, seen.atime, seen.mtime);
    const compressedSize = fstatSync(tempFd).size;
    closeSync(tempFd);
    tempFd = undefined;
    // Written to while we compressed it: the .gz would lose lines, so keep the log instead.
    if (!sameFile(seen, fstatSync(source)) || !sameFile(seen, site.statLog()))
      throw new Changed("written to while being compressed; left in place");
    commitExclusively(site);
    tempCreated = false;
    site.syncDirectory();
    site.removeLogIfUnchanged(seen);
    return { target: site.archive, bytesFreed: seen.size - compressedSize, compressedSize };
  } finally {
    if (tempFd !== undefined) closeSync(tempFd);
    closeSync(source);
    if (tempCreated) {
      try {
        site.unlinkTemp();
      } catch {
        // Already gone: nothing to clean up.
      }
    }
  }
}

const readAt = promisify(read);
const writeAt = promisify(write);
const chunkSize = 256 * 1024;

/**
 * gzip from one descriptor into another; both stay open, whatever happens. Not through
 * createReadStream/createWriteStream({ fd, autoClose: false }): Bun's close their descriptor when
 * they fail (a full disk), so our own close then failed with EBADF, which hid the ENOSPC and
 * skipped removing the half-written temp (or closed a descriptor opened meanwhile).
 */
async function gzipInto(source: number, target: number): Promise<void> {
  await pipeline(chunksOf(source), createGzip(), async (gzipped: AsyncIterable<Buffer>) => {
    for await (const chunk of gzipped)
      for (let offset = 0; offset < chunk.length; )
        offset += (await writeAt(target, chunk, offset, chunk.length - offset, null)).bytesWritten;
  });
}

/** The file from its start, in fresh buffers (gzip may still hold the previous one). */
async function* chunksOf(fd: number): AsyncGenerator<Buffer> {
  for (let position = 0; ; ) {
    const buffer = Buffer.allocUnsafe(chunkSize);
    const { bytesRead } = await readAt(fd, buffer, 0, chunkSize, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** Filesystems without hard links (vfat, some FUSE and SMB mounts) answer link() so. */
const noHardLinks = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

/**
 * The temp becomes NAME.gz only if no NAME.gz exists: link() fails with EEXIST atomically, where
 * a check then rename() would overwrite a .gz created in between. Where there are no hard links,
 * the check and rename are the best the filesystem allows.
 */
function commitExclusively(site: CompressSite): void {
  try {
    site.linkTempToArchive();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (code !== "EEXIST" && !noHardLinks.has(code)) throw error;
    if (code === "EEXIST" || site.archiveExists())
      throw archiveInTheWay("cannot compress: the .gz file appeared meanwhile");
    site.renameTempToArchive();
    return;
  }
  site.unlinkTemp();
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
