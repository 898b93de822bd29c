/**
 * What the walker and its tools read of a file's metadata: node:fs Stats has all of it, and so
 * does the native walker's statx result (lib/fs/native/dir.ts), so either can stand here.
 */
export interface FileStat {
  dev: number;
  ino: number;
  mode: number;
  size: number;
  mtimeMs: number;
  atimeMs: number;
  /** Last change of the inode (NaN where unknown): utimes cannot set it back. */
  ctimeMs: number;
  /** Hard links to the inode: removing one of several frees nothing. */
  nlink: number;
  readonly mtime: Date;
  readonly atime: Date;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/**
 * A time in ms as ISO 8601, or null where Date cannot hold it (beyond ±275,760 years): tmpfs,
 * XFS and btrfs store such mtimes, and toISOString() would throw for them.
 */
export function isoTime(ms: number): string | null {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
