/**
 * Directories read and files examined and removed through raw system calls (see libc.ts): one
 * getdents64 buffer per walker, names handed out as byte ranges of it (a name becomes a string
 * only when something needs it), statx and unlinkat relative to the open directory.
 */
import { type FsPath, toBytes } from "../path.ts";
import type { FileStat } from "../stat.ts";
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_SYMLINK_NOFOLLOW,
  EINVAL,
  ELOOP,
  ENAMETOOLONG,
  ENOSYS,
  ENOTDIR,
  EPERM,
  errnoError,
  type Libc,
  libc,
  O_CLOEXEC,
  O_DIRECTORY,
  O_NOFOLLOW,
  O_RDONLY,
  PATH_MAX,
  RESOLVE_BENEATH,
  RESOLVE_NO_MAGICLINKS,
  RESOLVE_NO_SYMLINKS,
  STATX_BASIC_STATS,
} from "./libc.ts";

/** d_type values (dirent.h). */
export const DT_UNKNOWN = 0;
export const DT_DIR = 4;
export const DT_REG = 8;
export const DT_LNK = 10;

const S_IFMT = 0o170000;
const STATX_ATTR_MOUNT_ROOT = 0x2000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** statx's answer in the shape of node:fs Stats (the fields FileStat names). */
export class NativeStat implements FileStat {
  constructor(
    readonly dev: number,
    readonly ino: number,
    readonly mode: number,
    readonly size: number,
    readonly mtimeMs: number,
    readonly atimeMs: number,
    readonly ctimeMs: number = Number.NaN,
    readonly nlink: number = 1,
    /** The root of a mount (bind mounts included): statx's STATX_ATTR_MOUNT_ROOT (Linux 5.8). */
    readonly mountRoot = false,
  ) {}
  get mtime(): Date {
    return new Date(this.mtimeMs);
  }
  get atime(): Date {
    return new Date(this.atimeMs);
  }
  isFile(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }
  isDirectory(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
  isSymbolicLink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK;
  }
}

/** glibc's makedev, so a device number equals what node:fs reports for the same filesystem. */
function makedev(major: number, minor: number): number {
  return (
    (major & 0xfff) * 256 + (major >>> 12) * 2 ** 44 + (minor & 0xff) + (minor >>> 8) * 2 ** 20
  );
}

export class NativeFs {
  /** getdents64 output; names stay valid until the next readDir. */
  readonly dents = new Uint8Array(64 * 1024);
  private readonly dentsAt: number;
  private readonly statBuf = new Uint8Array(256);
  private readonly statView = new DataView(this.statBuf.buffer);
  private readonly statAt: number;
  private readonly pathBuf = new Uint8Array(4097);
  private readonly pathAt: number;
  /** The second name of linkat and renameat. */
  private readonly toBuf = new Uint8Array(4097);
  private readonly toAt: number;
  private readonly empty = new Uint8Array(4096);
  private readonly emptyAt: number;
  /** openat2's struct open_how (flags, mode, resolve: three u64), the same for every call. */
  private readonly how = new BigUint64Array([
    BigInt(O_RDONLY | O_DIRECTORY | O_CLOEXEC),
    0n,
    BigInt(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS),
  ]);
  private readonly howAt: number;
  /**
   * openBeneath uses openat2; false: one openat per component instead (set for good once the
   * kernel refuses openat2; OPSCTL_FS_OPENAT2=0 and tests set it to try that way).
   */
  useOpenat2 = process.env.OPSCTL_FS_OPENAT2 !== "0";

  constructor(private readonly c: Libc) {
    this.dentsAt = c.address(this.dents);
    this.statAt = c.address(this.statBuf);
    this.pathAt = c.address(this.pathBuf);
    this.toAt = c.address(this.toBuf);
    this.emptyAt = c.address(this.empty);
    this.howAt = c.address(new Uint8Array(this.how.buffer));
  }

  /**
   * Opens a directory by path; `follow` = false refuses a symlink as the last component. A path
   * past PATH_MAX (find walks such trees) is opened in steps: see openDirInSteps.
   */
  openDir(path: FsPath, follow: boolean): number {
    const bytes = toBytes(path);
    if (bytes.length < PATH_MAX) {
      const flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
      const fd = this.c.openat(AT_FDCWD, this.cName(bytes), flags, 0);
      if (fd >= 0) return fd;
      const errno = this.c.errno();
      if (errno !== ENAMETOOLONG) throw errnoError(errno, "open", String(path));
    }
    return this.openDirInSteps(bytes, follow, path);
  }

  /**
   * The longest ancestor that fits in PATH_MAX is opened by path (O_NOFOLLOW on its last
   * component), then each component below it with openat relative to the one before (openSteps):
   * no symlink on the way down is ever followed, which a walk confined to its root (logclean)
   * relies on.
   */
  private openDirInSteps(bytes: Buffer, follow: boolean, path: FsPath): number {
    const cut = bytes.lastIndexOf(0x2f, PATH_MAX - 1);
    const names = splitNames(bytes.subarray(cut + 1));
    if (cut < 0) return this.openSteps(AT_FDCWD, names, follow, path);
    const flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;
    const top = this.c.openat(AT_FDCWD, this.cName(bytes.subarray(0, Math.max(cut, 1))), flags, 0);
    if (top < 0) throw errnoError(this.c.errno(), "open", String(path));
    if (names.length === 0) return top;
    try {
      return this.openSteps(top, names, follow, path);
    } finally {
      this.c.close(top);
    }
  }

  /**
   * Opens the directory path[start..] (a path with no "." or ".." below the open directory
   * `rootFd`; `path` is the whole one, for errors and so no slice of it is made) following no
   * symlink on the way, the last component included, and never leaving rootFd's tree: a
   * component swapped for a symlink since its parent was read fails with ELOOP (the walk must not
   * go on where it leads). One openat2 (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS); where the kernel
   * has none (ENOSYS before Linux 5.6, EPERM under some seccomp filters) or the part below the
   * root passes PATH_MAX, one openat per component (openSteps).
   */
  openBeneath(rootFd: number, path: Buffer, start: number): number {
    if (this.useOpenat2 && path.length - start < PATH_MAX) {
      const below =
        path.length < this.pathBuf.length
          ? this.cName(path) + start
          : this.cName(path.subarray(start));
      const fd = this.c.openat2(rootFd, below, this.howAt, 24);
      if (fd >= 0) return fd;
      const errno = this.c.errno();
      if (errno !== ENOSYS && errno !== EPERM) throw errnoError(errno, "openat2", String(path));
      this.useOpenat2 = false;
    }
    return this.openSteps(rootFd, splitNames(path.subarray(start)), false, path);
  }

  /**
   * Opens each of `names` relative to the one before, starting at `from` (left open), with
   * O_NOFOLLOW | O_DIRECTORY on every one (the last one's as `follow` says). A symlink met on
   * the way fails with ELOOP, as openat2 says it (openat answers ENOTDIR to O_DIRECTORY on one).
   */
  private openSteps(from: number, names: Buffer[], follow: boolean, path: FsPath): number {
    let fd = from;
    for (let i = 0; i < names.length; i++) {
      const last = i === names.length - 1;
      const name = names[i] as Buffer;
      const flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (last && follow ? 0 : O_NOFOLLOW);
      const next = this.c.openat(fd, this.cName(name), flags, 0);
      let errno = next < 0 ? this.c.errno() : 0;
      if (errno === ENOTDIR && !(last && follow)) {
        const stat = this.statName(fd, name);
        if (typeof stat !== "number" && stat.isSymbolicLink()) errno = ELOOP;
      }
      if (fd !== from) this.c.close(fd);
      if (next < 0) throw errnoError(errno, "open", String(path));
      fd = next;
    }
    return fd;
  }

  /** stat (lstat unless `follow`) of a path of any length, through its directory opened as openDir does. */
  statPath(path: FsPath, follow: boolean): NativeStat {
    const bytes = toBytes(path);
    let end = bytes.length;
    while (end > 1 && bytes[end - 1] === 0x2f) end--;
    const slash = bytes.lastIndexOf(0x2f, end - 1);
    const parent = slash < 0 ? "." : slash === 0 ? "/" : bytes.subarray(0, slash);
    const dirFd = this.openDir(parent, true);
    try {
      const name = this.cName(bytes.subarray(slash + 1, end));
      const stat = this.statx(dirFd, name, follow ? 0 : AT_SYMLINK_NOFOLLOW);
      if (typeof stat === "number") throw errnoError(stat, follow ? "stat" : "lstat", String(path));
      return stat;
    } finally {
      this.c.close(dirFd);
    }
  }

  close(fd: number): void {
    this.c.close(fd);
  }

  /**
   * Reads the next getdents64 batch of the directory into `dents` and indexes it: entry i's name
   * is dents[nameStarts[i], nameEnds[i]) and its d_type types[i] ("." and ".." left out).
   * Returns the number of entries, 0 at the end of the directory.
   */
  readBatch(fd: number, path: FsPath): number {
    const buf = this.dents;
    for (;;) {
      const n = this.c.getdents64(fd, this.dentsAt, buf.length);
      if (n < 0) throw errnoError(this.c.errno(), "getdents64", String(path));
      if (n === 0) return 0;
      let offset = 0;
      let count = 0;
      const starts = this.nameStarts;
      const ends = this.nameEnds;
      const types = this.types;
      while (offset < n) {
        const reclen = (buf[offset + 16] as number) | ((buf[offset + 17] as number) << 8);
        const start = offset + 19;
        // The NUL ends the name (the padding after it is not zeroed: never scan from the end).
        let end = start;
        while (buf[end] !== 0) end++;
        const dot = buf[start] === 0x2e;
        if (!dot || (end !== start + 1 && (end !== start + 2 || buf[start + 1] !== 0x2e))) {
          starts[count] = start;
          ends[count] = end;
          types[count] = buf[offset + 18] as number;
          count++;
        }
        offset += reclen;
      }
      if (count > 0) return count;
    }
  }

  /** Where readBatch put each name and type (a dirent is at least 24 bytes: bounded count). */
  readonly nameStarts = new Int32Array((64 * 1024) / 24 + 1);
  readonly nameEnds = new Int32Array((64 * 1024) / 24 + 1);
  readonly types = new Uint8Array((64 * 1024) / 24 + 1);

  /** lstat of a name in the open directory, the name being a NUL-terminated range of dents. */
  statEntry(dirFd: number, nameStart: number): NativeStat | number {
    return this.statx(dirFd, this.dentsAt + nameStart, AT_SYMLINK_NOFOLLOW);
  }

  /** lstat of a name (bytes) in the open directory; an errno number on failure. */
  statName(dirFd: number, name: Uint8Array): NativeStat | number {
    return this.statx(dirFd, this.cName(name), AT_SYMLINK_NOFOLLOW);
  }

  /** fstat of an open file or directory. */
  statFd(fd: number): NativeStat | number {
    return this.statx(fd, this.emptyAt, AT_EMPTY_PATH);
  }

  /** unlink of a name (bytes) in the open directory; 0 or an errno number. */
  unlinkName(dirFd: number, name: Uint8Array): number {
    return this.c.unlinkat(dirFd, this.cName(name), 0) === 0 ? 0 : this.c.errno();
  }

  /** openat of a name (bytes) in the open directory: the descriptor, or -errno. */
  openName(dirFd: number, name: Uint8Array, flags: number, mode: number): number {
    const fd = this.c.openat(dirFd, this.cName(name), flags, mode);
    return fd >= 0 ? fd : -this.c.errno();
  }

  /** link(2) of two names in the open directory, never replacing `to`; 0 or an errno number. */
  linkNames(dirFd: number, from: Uint8Array, to: Uint8Array): number {
    const failed = this.c.linkat(
      dirFd,
      this.cName(from),
      dirFd,
      this.cNameIn(this.toBuf, this.toAt, to),
      0,
    );
    return failed === 0 ? 0 : this.c.errno();
  }

  /** rename(2) of two names in the open directory; 0 or an errno number. */
  renameNames(dirFd: number, from: Uint8Array, to: Uint8Array): number {
    const failed = this.c.renameat(
      dirFd,
      this.cName(from),
      dirFd,
      this.cNameIn(this.toBuf, this.toAt, to),
    );
    return failed === 0 ? 0 : this.c.errno();
  }

  private statx(dirFd: number, pathAt: number, flags: number): NativeStat | number {
    if (this.c.statx(dirFd, pathAt, flags, STATX_BASIC_STATS, this.statAt) !== 0)
      return this.c.errno();
    const v = this.statView;
    const u64 = (at: number) => v.getUint32(at, true) + v.getUint32(at + 4, true) * 2 ** 32;
    const ms = (at: number) =>
      (v.getUint32(at, true) + v.getInt32(at + 4, true) * 2 ** 32) * 1000 +
      v.getUint32(at + 8, true) / 1e6;
    return new NativeStat(
      makedev(v.getUint32(136, true), v.getUint32(140, true)),
      u64(32),
      v.getUint16(28, true),
      u64(40),
      ms(112),
      ms(64),
      ms(96),
      v.getUint32(16, true),
      (v.getUint32(8, true) & STATX_ATTR_MOUNT_ROOT) !== 0,
    );
  }

  /** Copies a name into the NUL-terminated path buffer. */
  private cName(name: Uint8Array): number {
    return this.cNameIn(this.pathBuf, this.pathAt, name);
  }

  /** Copies a name into `buf` (whose address is `at`), NUL-terminated. */
  private cNameIn(buf: Uint8Array, at: number, name: Uint8Array): number {
    if (name.includes(0)) throw errnoError(EINVAL, "path", Buffer.from(name).toString());
    if (name.length >= buf.length)
      throw errnoError(ENAMETOOLONG, "path", Buffer.from(name).toString());
    buf.set(name);
    buf[name.length] = 0;
    return at;
  }
}

/** The non-empty components of a path. */
function splitNames(bytes: Buffer): Buffer[] {
  const names: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x2f) {
      if (i > start) names.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return names;
}

let shared: NativeFs | null | undefined;

/** The native layer of this thread, or undefined where only node:fs is available. */
export function nativeFs(): NativeFs | undefined {
  if (shared === undefined) {
    const c = libc();
    shared = c ? new NativeFs(c) : null;
  }
  return shared ?? undefined;
}
