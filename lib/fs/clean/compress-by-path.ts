/**
 * A compression's files reached by path with node:fs, where the native layer is missing (off
 * Linux, OPSCTL_FS_NATIVE=0). The directory is first checked to be the one the walk read and to
 * resolve to itself, as deletions there check theirs (verifyDirectory); the steps after that
 * look the path up again each time, which is all node:fs offers: a directory on the way swapped
 * for a symlink after that check (one of the root moved out whole and a symlink to it planted,
 * say) is followed. The native way opens the directory once, below the root's descriptor.
 */
import {
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  renameSync,
  unlinkSync,
} from "node:fs";
import type { FsPath } from "../path.ts";
import type { FileStat } from "../stat.ts";
import { archiveOf, exists, removeIfUnchanged, verifyDirectory } from "./act.ts";
import type { CompressSite } from "./compress.ts";
import { tempPathFor } from "./temp-names.ts";

export class CompressByPath implements CompressSite {
  readonly archive: FsPath;
  private readonly temp: FsPath;

  private constructor(
    private readonly dir: FsPath,
    private readonly log: FsPath,
  ) {
    this.archive = archiveOf(log);
    this.temp = tempPathFor(log);
  }

  /** Throws Changed if the directory was swapped since the walk read it. */
  static open(
    dir: FsPath,
    dev: number | undefined,
    ino: number | undefined,
    log: FsPath,
  ): CompressByPath {
    verifyDirectory(dir, dev, ino);
    return new CompressByPath(dir, log);
  }

  archiveExists(): boolean {
    return exists(this.archive);
  }

  openLog(): number {
    return openSync(this.log, constants.O_RDONLY | constants.O_NOFOLLOW);
  }

  createTemp(mode: number): number {
    const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
    return openSync(this.temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  }

  statLog(): FileStat {
    return lstatSync(this.log);
  }

  linkTempToArchive(): void {
    linkSync(this.temp, this.archive);
  }

  renameTempToArchive(): void {
    renameSync(this.temp, this.archive);
  }

  unlinkTemp(): void {
    unlinkSync(this.temp);
  }

  syncDirectory(): void {
    const fd = openSync(this.dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  removeLogIfUnchanged(seen: FileStat): void {
    removeIfUnchanged(this.log, seen);
  }

  close(): void {}
}
