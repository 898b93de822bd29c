/**
 * A compression's files reached by name in a descriptor of the directory the walk read, opened
 * and checked the way deletions open theirs (DirectoryRemover: below the root's descriptor, no
 * symlink followed on the way, the very dev/ino the walk read, else Changed): the log is opened,
 * the temp created, linked to NAME.gz and unlinked, and the log removed with openat / linkat /
 * unlinkat on it. No path is looked up again, so a directory on the way swapped for a symlink
 * cannot send a read, a write or an unlink outside the tree. Linux (lib/fs/native); elsewhere
 * open() returns undefined.
 */
import { fsyncSync } from "node:fs";
import * as util from "node:util";
import { type NativeFs, nativeFs } from "../native/dir.ts";
import {
  ENOENT,
  errnoError,
  O_CLOEXEC,
  O_CREAT,
  O_EXCL,
  O_NOFOLLOW,
  O_RDONLY,
  O_WRONLY,
} from "../native/libc.ts";
import type { FsPath } from "../path.ts";
import type { FileStat } from "../stat.ts";
import { archiveOf } from "./act.ts";
import type { OpenRoot } from "./beneath-root.ts";
import type { CompressSite } from "./compress.ts";
import { DirectoryRemover, nameBytesOf } from "./remover.ts";
import { tempPathFor } from "./temp-names.ts";

export class CompressInDirectory implements CompressSite {
  readonly archive: FsPath;
  private readonly log: Buffer;
  private readonly temp: Buffer;
  private readonly archiveName: Buffer;

  private constructor(
    private readonly native: NativeFs,
    private readonly dir: DirectoryRemover,
    path: FsPath,
  ) {
    this.archive = archiveOf(path);
    this.log = nameBytesOf(path);
    this.temp = nameBytesOf(tempPathFor(path));
    this.archiveName = nameBytesOf(this.archive);
  }

  /** Undefined without the native layer; throws Changed if the directory was swapped. */
  static open(
    root: OpenRoot | undefined,
    dir: FsPath,
    dev: number | undefined,
    ino: number | undefined,
    path: FsPath,
  ): CompressInDirectory | undefined {
    const native = nativeFs();
    const opened = native && DirectoryRemover.open(root, dir, dev, ino);
    return native && opened ? new CompressInDirectory(native, opened, path) : undefined;
  }

  archiveExists(): boolean {
    const stat = this.native.statName(this.dir.fd, this.archiveName);
    if (typeof stat !== "number") return true;
    if (stat === ENOENT) return false;
    throw systemError(stat, "lstat", this.dir.describe(this.archiveName));
  }

  openLog(): number {
    return this.open(this.log, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
  }

  createTemp(mode: number): number {
    return this.open(this.temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  }

  statLog(): FileStat {
    const stat = this.native.statName(this.dir.fd, this.log);
    if (typeof stat === "number") throw systemError(stat, "lstat", this.dir.describe(this.log));
    return stat;
  }

  linkTempToArchive(): void {
    const errno = this.native.linkNames(this.dir.fd, this.temp, this.archiveName);
    if (errno) throw this.twoNameError(errno, "link");
  }

  renameTempToArchive(): void {
    const errno = this.native.renameNames(this.dir.fd, this.temp, this.archiveName);
    if (errno) throw this.twoNameError(errno, "rename");
  }

  unlinkTemp(): void {
    const errno = this.native.unlinkName(this.dir.fd, this.temp);
    if (errno) throw systemError(errno, "unlink", this.dir.describe(this.temp));
  }

  syncDirectory(): void {
    fsyncSync(this.dir.fd);
  }

  removeLogIfUnchanged(seen: FileStat): void {
    this.dir.remove(this.log, seen);
  }

  close(): void {
    this.dir.close();
  }

  private open(name: Buffer, flags: number, mode: number): number {
    const fd = this.native.openName(this.dir.fd, name, flags, mode);
    if (fd < 0) throw systemError(-fd, "open", this.dir.describe(name));
    return fd;
  }

  private twoNameError(errno: number, syscall: string): NodeJS.ErrnoException {
    const from = this.dir.describe(this.temp);
    return systemError(errno, syscall, from, this.dir.describe(this.archiveName));
  }
}

/** Bun's node:util has it (as Node 23 does); its types do not yet. */
const systemMessage = (util as { getSystemErrorMessage?: (errno: number) => string })
  .getSystemErrorMessage;

/**
 * An error worded as node:fs words it ("ENOSPC: no space left on device, open '<path>'"), so a
 * failure reads the same whichever way the compression went.
 */
function systemError(
  errno: number,
  syscall: string,
  path: string,
  dest?: string,
): NodeJS.ErrnoException {
  const error = errnoError(errno, syscall, path);
  const name = util.getSystemErrorName(-errno);
  if (!name.startsWith("Unknown")) error.code = name;
  const words = systemMessage?.(-errno);
  const detail = words && !words.startsWith("Unknown") ? `${words}, ` : "";
  error.message = `${error.code}: ${detail}${syscall} '${path}'${dest === undefined ? "" : ` -> '${dest}'`}`;
  return dest === undefined ? error : Object.assign(error, { dest });
}
