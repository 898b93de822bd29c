/**
 * Deletes the planned files of one directory the way find -delete does: through a descriptor of
 * the directory (unlinkat), opened as the walk opened it (relative to the root's descriptor, no
 * symlink followed on the way from the root, beneath-root.ts) and checked to be the very
 * directory the walk read. Each file is re-examined (statx) right before its unlink. Linux only
 * (lib/fs/native); elsewhere open() returns undefined and the caller uses node:fs. Compression
 * works through the same descriptor (compress-in-directory.ts).
 */
import { nativeFs } from "../native/dir.ts";
import { errnoError } from "../native/libc.ts";
import { type FsPath, toText } from "../path.ts";
import type { FileStat } from "../stat.ts";
import { bytesFreedBy, Changed, changedReasons, sameFile } from "./act.ts";
import type { OpenRoot } from "./beneath-root.ts";

export class DirectoryRemover {
  private constructor(
    readonly dir: FsPath,
    /** The directory's descriptor, checked to be the one the walk read. */
    readonly fd: number,
  ) {}

  /**
   * `dir` opened below `root` (undefined: no native layer, and so no remover either); throws
   * Changed if the directory, or one on the way to it from the root, was swapped since the walk.
   */
  static open(
    root: OpenRoot | undefined,
    dir: FsPath,
    dev: number | undefined,
    ino: number | undefined,
  ): DirectoryRemover | undefined {
    const native = nativeFs();
    if (!native || !root || dev === undefined || ino === undefined) return undefined;
    let fd: number;
    try {
      fd = root.openDir(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // EXDEV: openat2 found the path leading out of the root.
      if (code === "ELOOP" || code === "ENOTDIR" || code === "EXDEV")
        throw new Changed(changedReasons.dirSwapped);
      throw error;
    }
    const stat = native.statFd(fd);
    if (typeof stat === "number" || stat.dev !== dev || stat.ino !== ino) {
      native.close(fd);
      throw new Changed(changedReasons.dirReplaced);
    }
    return new DirectoryRemover(dir, fd);
  }

  /** Unlinks `name` if it is still the file that was examined; returns the bytes freed. */
  remove(name: Uint8Array, seen: FileStat): number {
    const native = nativeFs() as NonNullable<ReturnType<typeof nativeFs>>;
    const now = native.statName(this.fd, name);
    if (typeof now === "number") throw errnoError(now, "statx", this.describe(name));
    if (!sameFile(seen, now)) throw new Changed(changedReasons.file);
    const failed = native.unlinkName(this.fd, name);
    if (failed) throw errnoError(failed, "unlink", this.describe(name));
    return bytesFreedBy(now);
  }

  close(): void {
    nativeFs()?.close(this.fd);
  }

  /** The full path of a name in this directory, for messages. */
  describe(name: Uint8Array): string {
    return `${toText(this.dir)}/${Buffer.from(name).toString()}`;
  }
}

/** The last component of a path as bytes (a planned file's exact name, even when not UTF-8). */
export function nameBytesOf(path: FsPath): Buffer {
  const bytes = typeof path === "string" ? Buffer.from(path) : path;
  return bytes.subarray(bytes.lastIndexOf(0x2f) + 1);
}
