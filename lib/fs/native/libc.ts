/**
 * The few Linux system calls the walker needs that node:fs lacks, from libc through bun:ffi:
 * getdents64 (names and d_type straight from the kernel, no Dirent objects), and openat / statx /
 * unlinkat / linkat / renameat relative to an open directory (find's *at() calls: no path walk
 * per file, and no parent component swapped for a symlink can redirect them), and openat2
 * (through syscall(): libc has no wrapper before glibc 2.36) to open a directory below a root
 * without leaving it. Undefined off Linux, when libc cannot be loaded, or when
 * OPSCTL_FS_NATIVE=0: callers then use node:fs.
 */

export interface Libc {
  openat(dirfd: number, path: number, flags: number, mode: number): number;
  /** openat2(2): `how` is the address of a struct open_how of `size` bytes. */
  openat2(dirfd: number, path: number, how: number, size: number): number;
  getdents64(fd: number, buffer: number, size: number): number;
  statx(dirfd: number, path: number, flags: number, mask: number, out: number): number;
  unlinkat(dirfd: number, path: number, flags: number): number;
  linkat(
    olddirfd: number,
    oldpath: number,
    newdirfd: number,
    newpath: number,
    flags: number,
  ): number;
  renameat(olddirfd: number, oldpath: number, newdirfd: number, newpath: number): number;
  close(fd: number): number;
  /** errno of the last failed call on this thread. */
  errno(): number;
  /** Address of a typed array's bytes (stable for the buffers we allocate: 4 KiB and more). */
  address(bytes: Uint8Array): number;
}

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
// arm64 (like 32-bit arm) numbers these two differently from x86 and the generic table: there
// 0o200000 and 0o400000 are O_DIRECT and O_LARGEFILE, and a symlink would be followed.
const armFlags = process.arch === "arm64" || process.arch === "arm";
export const O_DIRECTORY = armFlags ? 0o40000 : 0o200000;
export const O_NOFOLLOW = armFlags ? 0o100000 : 0o400000;
export const O_CLOEXEC = 0o2000000;
export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_EMPTY_PATH = 0x1000;
/** Longest path the kernel takes, its NUL included: a longer one fails with ENAMETOOLONG. */
export const PATH_MAX = 4096;
/** The longest name of one directory entry, in bytes (ext4, xfs, btrfs, tmpfs; macOS too). */
export const NAME_MAX = 255;
/** openat2's resolve flags (linux/openat2.h). */
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_NO_SYMLINKS = 0x04;
export const RESOLVE_BENEATH = 0x08;
/** The same number on every architecture (it came after the syscall tables were unified). */
const SYS_openat2 = 437;
export const EPERM = 1;
export const ENOENT = 2;
export const ENOTDIR = 20;
export const EINVAL = 22;
export const ENAMETOOLONG = 36;
export const ENOSYS = 38;
export const ELOOP = 40;
/** type, mode, nlink, uid, gid, times, ino, size, blocks. */
export const STATX_BASIC_STATS = 0x7ff;

/** The C library by the names it goes by (glibc, musl on x86-64 and arm64). */
export const libcNames = [
  "libc.so.6",
  "libc.musl-x86_64.so.1",
  "libc.musl-aarch64.so.1",
  "libc.so",
];

let loaded: Libc | null | undefined;

export function libc(): Libc | undefined {
  if (loaded === undefined) loaded = load() ?? null;
  return loaded ?? undefined;
}

function load(): Libc | undefined {
  if (process.platform !== "linux" || process.env.OPSCTL_FS_NATIVE === "0") return undefined;
  // Loaded on first use, not at import: --version and --help should not pay for bun:ffi.
  let ffi: typeof import("bun:ffi");
  try {
    ffi = require("bun:ffi");
  } catch {
    return undefined;
  }
  const { dlopen, FFIType, ptr, read } = ffi;
  const i32 = FFIType.i32;
  const pointer = FFIType.ptr;
  for (const name of libcNames) {
    for (const getdents of ["getdents64", "getdents"]) {
      try {
        const lib = dlopen(name, {
          openat: { args: [i32, pointer, i32, i32], returns: i32 },
          [getdents]: { args: [i32, pointer, FFIType.u64], returns: FFIType.i64_fast },
          statx: { args: [i32, pointer, i32, FFIType.u32, pointer], returns: i32 },
          unlinkat: { args: [i32, pointer, i32], returns: i32 },
          linkat: { args: [i32, pointer, i32, pointer, i32], returns: i32 },
          renameat: { args: [i32, pointer, i32, pointer], returns: i32 },
          syscall: { args: [FFIType.i64, i32, pointer, pointer, FFIType.u64], returns: i32 },
          close: { args: [i32], returns: i32 },
          __errno_location: { args: [], returns: pointer },
        });
        const s = lib.symbols as Record<string, (...args: unknown[]) => unknown>;
        const errnoAt = s.__errno_location as () => number;
        return {
          openat: s.openat as Libc["openat"],
          openat2: (dirfd, path, how, size) =>
            (s.syscall as (...args: number[]) => number)(SYS_openat2, dirfd, path, how, size),
          getdents64: s[getdents] as Libc["getdents64"],
          statx: s.statx as Libc["statx"],
          unlinkat: s.unlinkat as Libc["unlinkat"],
          linkat: s.linkat as Libc["linkat"],
          renameat: s.renameat as Libc["renameat"],
          close: s.close as Libc["close"],
          errno: () => read.i32(errnoAt() as never, 0),
          address: (bytes) => ptr(bytes) as unknown as number,
        };
      } catch {
        // Not this library or symbol name (musl before 1.2.4 has only getdents): try the next.
      }
    }
  }
  return undefined;
}

const errnoCodes: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  5: "EIO",
  9: "EBADF",
  12: "ENOMEM",
  13: "EACCES",
  16: "EBUSY",
  17: "EEXIST",
  18: "EXDEV",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  24: "EMFILE",
  28: "ENOSPC",
  30: "EROFS",
  36: "ENAMETOOLONG",
  38: "ENOSYS",
  40: "ELOOP",
};

/** An Error shaped like node:fs's (code, errno, syscall, path) so callers treat both alike. */
export function errnoError(errno: number, syscall: string, path: string): NodeJS.ErrnoException {
  const code = errnoCodes[errno] ?? `E${errno}`;
  const error: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${path}'`);
  error.code = code;
  error.errno = -errno;
  error.syscall = syscall;
  error.path = path;
  return error;
}
