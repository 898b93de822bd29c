/**
 * The root a walk started from, opened again when logclean acts, so that a directory the walk read
 * is reached the way the walk reached it: relative to the root's descriptor, never through a
 * symlink and never out of the root (NativeFs.openBeneath). Opening the directory by its full path
 * is not enough: a directory of the root moved out whole, with a symlink to its new place planted
 * where it was, still has the dev/ino the walk saw, and only refusing the symlink on the way tells
 * the two apart. Linux (lib/fs/native); elsewhere open() returns undefined and callers use node:fs.
 */
import { type NativeFs, nativeFs } from "../native/dir.ts";
import { errnoError, O_CLOEXEC, O_DIRECTORY, O_RDONLY } from "../native/libc.ts";
import { asFsPath, type FsPath, toBytes, toText } from "../path.ts";
import { Changed, changedReasons } from "./act.ts";

/** A root as checked before the walk (a RootCheck; over postMessage a Buffer becomes a Uint8Array). */
export interface WalkedRoot {
  real: FsPath | Uint8Array;
  dev: number;
  ino: number;
}

const dot = Buffer.from(".");

export class OpenRoot {
  private constructor(
    private readonly native: NativeFs,
    /** The root's descriptor, checked to be the root the walk started from. */
    readonly fd: number,
    private readonly path: Buffer,
  ) {}

  /** Undefined without the native layer; throws Changed if the root is not the one checked. */
  static open(root: WalkedRoot): OpenRoot | undefined {
    const native = nativeFs();
    if (!native) return undefined;
    const path = bytesOf(root.real);
    let fd: number;
    try {
      // As the walk opened it: the last component not followed (a root is never a symlink).
      fd = native.openDir(path, false);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ELOOP" || code === "ENOTDIR") throw replaced();
      throw error;
    }
    const stat = native.statFd(fd);
    if (typeof stat === "number" || stat.dev !== root.dev || stat.ino !== root.ino) {
      native.close(fd);
      throw replaced();
    }
    return new OpenRoot(native, fd, path);
  }

  /**
   * A new descriptor of `dir`, the root itself or a directory below it as the walk joined it. A
   * symlink on the way (the last component included) fails with ELOOP, as the walk's open does.
   */
  openDir(dir: FsPath | Uint8Array): number {
    const bytes = bytesOf(dir);
    const below = belowStart(this.path, bytes);
    if (below < 0) throw new Error(`${toText(bytes)} is not below the root ${toText(this.path)}`);
    if (below >= bytes.length) {
      const fd = this.native.openName(this.fd, dot, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
      if (fd < 0) throw errnoError(-fd, "openat", toText(bytes));
      return fd;
    }
    return this.native.openBeneath(this.fd, bytes, below);
  }

  close(): void {
    this.native.close(this.fd);
  }
}

/**
 * The roots of one run and a descriptor of each, opened when first needed and kept until close():
 * the directories of a run are opened relative to them.
 */
export class RootDescriptors {
  private readonly opened = new Map<WalkedRoot, OpenRoot>();
  private closed = false;

  constructor(private readonly roots: readonly WalkedRoot[]) {}

  /** The root `dir` was walked from: the deepest one that holds it (roots below a mount point). */
  rootOf(dir: FsPath): WalkedRoot {
    const bytes = bytesOf(dir);
    let found: WalkedRoot | undefined;
    let foundLength = -1;
    for (const root of this.roots) {
      const path = bytesOf(root.real);
      if (path.length > foundLength && belowStart(path, bytes) >= 0) {
        found = root;
        foundLength = path.length;
      }
    }
    if (!found) throw new Error(`${toText(bytes)} is below none of the roots`);
    return found;
  }

  /** A descriptor of `dir`'s root; undefined without the native layer. Throws Changed as OpenRoot.open. */
  openFor(dir: FsPath): OpenRoot | undefined {
    const root = this.rootOf(dir);
    let open = this.opened.get(root);
    if (!open) {
      // A change still queued when the run ended early must not open a root no one will close.
      if (this.closed) throw new Error("the run is over");
      open = OpenRoot.open(root);
      if (open) this.opened.set(root, open);
    }
    return open;
  }

  close(): void {
    this.closed = true;
    for (const open of this.opened.values()) open.close();
    this.opened.clear();
  }
}

/**
 * Where the part of `dir` below `root` starts (past the "/" after the root, as the walk joins
 * them; dir's length when dir is the root), or -1 when dir is not the root or below it.
 */
function belowStart(root: Buffer, dir: Buffer): number {
  if (dir.length < root.length || dir.compare(root, 0, root.length, 0, root.length) !== 0)
    return -1;
  if (dir.length === root.length || root[root.length - 1] === 0x2f) return root.length;
  return dir[root.length] === 0x2f ? root.length + 1 : -1;
}

function bytesOf(path: FsPath | Uint8Array): Buffer {
  return toBytes(asFsPath(path));
}

function replaced(): Changed {
  return new Changed(changedReasons.root);
}
