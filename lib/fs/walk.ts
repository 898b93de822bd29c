/**
 * A concurrent directory walker: several directories are read at once (readdir runs on Bun's
 * thread pool, so the reads overlap each other and the consumer's work), entries come out in
 * batches of one directory each (per-entry async overhead would dominate otherwise), and the
 * walk pauses when the consumer falls behind (backpressure: at most `highWaterMark` batches
 * wait). lstat is only called for the entries a filter needs it for.
 *
 * On Linux the directories are read through getdents64 and files examined with statx relative to
 * the open directory (lib/fs/native): no Dirent object or string is built for an entry the cheap
 * test rejects, which makes the walk about as cheap in system calls as find's. Every directory
 * below a root is opened relative to the root's descriptor, never through a symlink and never
 * out of the root (openat2 RESOLVE_BENEATH): a directory on the way swapped for a symlink since
 * its parent was read is reported, not followed. Elsewhere, and under `follow`, node:fs's readdir
 * on Bun's thread pool does the reading, by full path (without that guarantee).
 *
 *   const walker = walk(["/var/log"], { filter: (e) => e.kind === "file" });
 *   for await (const batch of walker) for (const entry of batch.entries) ...
 *   walker.stats  // dirs read, entries seen, errors
 */
import { type Dirent, promises as fsp, lstatSync, readdirSync, statSync } from "node:fs";
import { DT_DIR, DT_LNK, DT_REG, DT_UNKNOWN, type NativeFs, nativeFs } from "./native/dir.ts";
import { errnoError } from "./native/libc.ts";
import { baseName, type FsPath, isUtf8, joinPath, toBytes, toText } from "./path.ts";
import type { FileStat } from "./stat.ts";

export type EntryKind = "file" | "dir" | "symlink" | "other";

export interface WalkEntry {
  /** The root joined with the names below it, as found (bytes when a name is not UTF-8). */
  readonly path: FsPath;
  /** The last component as text (invalid UTF-8 bytes shown as U+FFFD), for matching. */
  readonly name: string;
  /** What the entry is; under `follow`, what a symlink points to (a broken one stays "symlink"). */
  kind: EntryKind;
  /** Reached through a symlink that was followed (only under `follow`). */
  followed: boolean;
  /** 0 for a root, 1 for a root's children. */
  readonly depth: number;
  /** lstat (stat under `follow`), present when `needsStat` asked for it. */
  stat?: FileStat;
}

/** The path is joined only when asked for: most entries of a big walk are never printed. */
class Entry implements WalkEntry {
  followed = false;
  stat?: FileStat;
  private joined: FsPath | undefined;

  constructor(
    private readonly dir: FsPath,
    readonly name: string,
    private readonly bytes: Buffer | undefined,
    public kind: EntryKind,
    readonly depth: number,
  ) {}

  get path(): FsPath {
    if (this.joined === undefined) this.joined = joinPath(this.dir, this.bytes ?? this.name);
    return this.joined;
  }
}

export interface WalkBatch {
  /** The directory these entries were read from (the root itself for a non-directory root). */
  dir: FsPath;
  depth: number;
  /** Device and inode of `dir`, when known (roots always; children under follow/sameDevice/statDirs). */
  dev?: number;
  ino?: number;
  entries: WalkEntry[];
  /** Entries counted but not built (countOnly). */
  counted?: number;
}

export interface WalkError {
  path: FsPath;
  op: "readdir" | "stat" | "root";
  code: string;
  message: string;
}

export interface WalkOptions {
  /** Directories read at the same time (default 16). */
  concurrency?: number;
  /** Batches waiting for the consumer before the walk pauses (default 64). */
  highWaterMark?: number;
  /** Deepest level yielded: 1 = the roots' children (default: unlimited). */
  maxDepth?: number;
  /** Yield and descend into names starting with "." (default true). */
  hidden?: boolean;
  /** Follow symlinks (to files and directories), detecting loops (default false). */
  follow?: boolean;
  /** Do not descend into directories on another filesystem than their root (default false). */
  sameDevice?: boolean;
  /** Record dev/ino of every directory read, in its batch (costs one lstat per directory). */
  statDirs?: boolean;
  /** Depth of the roots (default 0): a walk of subtrees found by another walk counts on from there. */
  rootDepth?: number;
  /** Roots that are symlinks are followed (default true, like find -H). */
  followRoots?: boolean;
  /** Cheap first test on name and type, before anything is built or stat'ed for the entry. */
  select?: (name: string, kind: EntryKind) => boolean;
  /**
   * The same test as `select` on the name's bytes buf[start, end), when it can be made on bytes
   * (a suffix, say): the native walk then skips building a name for most entries.
   */
  selectBytes?: (buf: Uint8Array, start: number, end: number, kind: EntryKind) => boolean;
  /**
   * Entries other than directories that selectBytes accepts are only counted (batch.counted),
   * never built: for a caller that wants their number and nothing else (no filter, no stat).
   */
  countOnly?: boolean;
  /** Which entries need a stat before `filter` sees them (size, mtime...). */
  needsStat?: (entry: WalkEntry) => boolean;
  /** Entries kept in batches; directories are descended into whatever it says. */
  filter?: (entry: WalkEntry) => boolean;
  /** Prune: return false to not descend into this directory. */
  descend?: (entry: WalkEntry) => boolean;
  /**
   * Read through the native layer where it exists (default true); false uses node:fs, the path
   * other systems take (tests run both).
   */
  native?: boolean;
  signal?: AbortSignal;
  /**
   * Checked with the signal before each directory: a stop that cannot arrive as an event (a flag
   * another thread sets in shared memory, see find-job.ts).
   */
  stopped?: () => boolean;
  onError?: (error: WalkError) => void;
  /** Test hook: called right before each directory is opened (tests swap one in that window). */
  beforeOpenDir?: (path: FsPath) => void;
}

export interface WalkStats {
  dirs: number;
  entries: number;
  errors: number;
}

interface DirTask {
  path: FsPath;
  depth: number;
  dev?: number;
  ino?: number;
  rootDev?: number;
  parent?: DirTask;
  /** The open root this directory is below (native walk), or the root's own once it is read. */
  root?: OpenRoot;
}

/**
 * A root's directory, kept open while directories below it wait to be read (they are opened
 * relative to it); closed when the last of them is done.
 */
interface OpenRoot {
  fd: number;
  path: FsPath;
  /**
   * Bytes of the root's path and the "/" joinPath puts after it (a path below starts past
   * them); -1 until a directory below is opened (ffind --threads reads levels of roots).
   */
  prefix: number;
  /** The root's own read and the tasks below it not read yet. */
  tasks: number;
}

/** What the report says when a directory below a root cannot be opened because of a race. */
const raced: Record<string, string> = {
  ELOOP: "a symlink is on its path (swapped in since its parent was read); not followed",
  EXDEV: "its path leads out of the root (swapped since its parent was read); not followed",
};

export function walk(roots: readonly FsPath[], options: WalkOptions = {}): Walker {
  return new Walker(roots, options);
}

export class Walker implements AsyncIterable<WalkBatch> {
  readonly stats: WalkStats = { dirs: 0, entries: 0, errors: 0 };
  private readonly pending: DirTask[] = [];
  private readonly ready: WalkBatch[] = [];
  private active = 0;
  private wake: (() => void) | undefined;
  private readonly concurrency: number;
  private readonly highWaterMark: number;
  private readonly maxDepth: number;
  private readonly hidden: boolean;
  private readonly follow: boolean;
  private readonly needDirIds: boolean;
  /** The native layer, when this walk uses it. */
  private readonly native: NativeFs | undefined;
  /** The directory being read natively and the current name's offset in its buffer. */
  private nativeDir = -1;
  private nativeName = 0;
  private nativeText: Buffer | undefined;
  /** Roots open for the directories below them (closed at the end, however the walk ends). */
  private readonly openRoots = new Set<OpenRoot>();
  /** How directories are read: getdents64 through the native layer, or node:fs. */
  readonly reader: "getdents64" | "node:fs";

  constructor(
    private readonly roots: readonly FsPath[],
    private readonly options: WalkOptions,
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 16);
    this.highWaterMark = Math.max(1, options.highWaterMark ?? 64);
    this.maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
    this.hidden = options.hidden ?? true;
    this.follow = options.follow ?? false;
    this.needDirIds = this.follow || (options.sameDevice ?? false) || (options.statDirs ?? false);
    this.native = this.follow || options.native === false ? undefined : nativeFs();
    if (this.native) this.nativeText = Buffer.from(this.native.dents.buffer);
    this.reader = this.native ? "getdents64" : "node:fs";
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WalkBatch> {
    try {
      this.startRoots();
      while (true) {
        this.pump();
        const batch = this.ready.shift();
        if (batch) {
          yield batch;
          continue;
        }
        if (this.active === 0 && (this.pending.length === 0 || this.aborted)) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      // Stopped early (abort, or the consumer left): directories below them were never read.
      for (const root of this.openRoots) this.native?.close(root.fd);
      this.openRoots.clear();
    }
  }

  private get aborted(): boolean {
    return (this.options.signal?.aborted ?? false) || (this.options.stopped?.() ?? false);
  }

  private startRoots(): void {
    for (const root of this.roots) {
      let stat: FileStat;
      try {
        stat = this.statRoot(root);
      } catch (error) {
        this.error(root, "root", error);
        continue;
      }
      if (stat.isDirectory()) {
        this.pending.push({
          path: root,
          depth: this.options.rootDepth ?? 0,
          dev: stat.dev,
          ino: stat.ino,
          rootDev: stat.dev,
        });
        continue;
      }
      const entry: WalkEntry = {
        path: root,
        name: baseName(root),
        kind: kindOfStat(stat),
        followed: false,
        depth: this.options.rootDepth ?? 0,
        stat,
      };
      this.stats.entries++;
      // Tested like any entry (find -name tests a file root too): else `ffind a.log b.txt
      // --name '*.txt'` printed a.log.
      const { select, filter } = this.options;
      if (select && !select(entry.name, entry.kind)) continue;
      if (!filter || filter(entry)) {
        this.ready.push({ dir: root, depth: entry.depth, entries: [entry] });
      }
    }
  }

  private statRoot(root: FsPath): FileStat {
    return statRoot(root, this.options.followRoots ?? true, this.native);
  }

  /** Starts reads while there is room: concurrency not used up and the consumer keeping up. */
  private pump(): void {
    if (this.native) {
      while (this.pending.length > 0 && this.ready.length < this.highWaterMark && !this.aborted)
        this.readNative(this.native, this.pending.pop() as DirTask);
      return;
    }
    while (
      this.active < this.concurrency &&
      this.pending.length > 0 &&
      this.ready.length < this.highWaterMark &&
      !this.aborted
    ) {
      const task = this.pending.pop() as DirTask;
      this.active++;
      this.options.beforeOpenDir?.(task.path);
      fsp.readdir(task.path as string, { withFileTypes: true }).then(
        (dirents) => this.finish(task, dirents),
        (error) => this.finish(task, undefined, error),
      );
    }
  }

  private finish(task: DirTask, dirents: Dirent[] | undefined, error?: unknown): void {
    this.active--;
    if (dirents) {
      this.stats.dirs++;
      try {
        const batch = this.readBatch(task, dirents);
        if (batch.entries.length > 0) this.ready.push(batch);
      } catch (unexpected) {
        this.error(task.path, "readdir", unexpected);
      }
    } else {
      this.error(task.path, "readdir", error);
    }
    this.pump();
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private readBatch(task: DirTask, dirents: Dirent[]): WalkBatch {
    const entries: WalkEntry[] = [];
    const batch: WalkBatch = { dir: task.path, depth: task.depth, entries };
    if (task.dev !== undefined) batch.dev = task.dev;
    if (task.ino !== undefined) batch.ino = task.ino;
    let lossy = false;
    for (const dirent of dirents) {
      if (dirent.name.includes("\uFFFD")) {
        lossy = true;
        break;
      }
    }
    if (!lossy) {
      for (const dirent of dirents) {
        this.visit(task, entries, dirent.name, undefined, kindOfDirent(dirent, task.path));
      }
    } else {
      // A name that is not UTF-8 came back mangled: read the directory again as bytes.
      for (const raw of this.rawNamesOf(task.path, dirents)) {
        this.visit(task, entries, raw.name, raw.bytes, raw.kind);
      }
    }
    return batch;
  }

  /**
   * Reads one directory with getdents64, synchronously (one system call per 64 KiB of names is
   * cheaper than a round trip to the thread pool). A root is opened by its path and kept open;
   * a subdirectory is opened relative to it (NativeFs.openBeneath), and its device is checked
   * against the root's once it is open.
   */
  private readNative(native: NativeFs, task: DirTask): void {
    const below = task.parent === undefined ? undefined : task.root;
    let fd: number;
    this.options.beforeOpenDir?.(task.path);
    try {
      if (!below) fd = native.openDir(task.path, this.options.followRoots ?? true);
      else {
        if (below.prefix < 0) below.prefix = rootPrefix(below.path);
        fd = native.openBeneath(below.fd, toBytes(task.path), below.prefix);
      }
    } catch (error) {
      if (below) this.release(below);
      this.report(openDirError(task.path, below !== undefined, error));
      return;
    }
    if (!below) task.root = { fd, path: task.path, prefix: -1, tasks: 1 };
    try {
      if (this.needDirIds) {
        const stat = native.statFd(fd);
        if (typeof stat === "number") {
          this.error(task.path, "stat", errnoError(stat, "statx", toText(task.path)));
          return;
        }
        if (task.parent === undefined && (stat.dev !== task.dev || stat.ino !== task.ino)) {
          this.report({
            path: task.path,
            op: "root",
            code: "ECHANGED",
            message: "the directory was replaced while the walk started",
          });
          return;
        }
        // A mount point below the root (bind mounts share the device): mounted since the
        // mount table was read, after its parent's listing, it is not read either.
        const mounted = stat.dev !== task.rootDev || (task.parent !== undefined && stat.mountRoot);
        if ((this.options.sameDevice ?? false) && mounted) return;
        task.dev = stat.dev;
        task.ino = stat.ino;
      }
      this.stats.dirs++;
      const entries: WalkEntry[] = [];
      this.nativeDir = fd;
      const buf = native.dents;
      const { nameStarts, nameEnds, types } = native;
      const { selectBytes } = this.options;
      const countOnly = (this.options.countOnly ?? false) && task.depth + 1 <= this.maxDepth;
      let counted = 0;
      for (;;) {
        const count = native.readBatch(fd, task.path);
        if (count === 0) break;
        for (let i = 0; i < count; i++) {
          const start = nameStarts[i] as number;
          if (!this.hidden && buf[start] === 46) continue;
          const type = types[i] as number;
          let kind: EntryKind =
            type === DT_REG
              ? "file"
              : type === DT_DIR
                ? "dir"
                : type === DT_LNK
                  ? "symlink"
                  : "other";
          if (type === DT_UNKNOWN) {
            // Some filesystems do not fill d_type: ask the inode.
            const stat = native.statEntry(fd, start);
            kind = typeof stat === "number" ? "other" : kindOfStat(stat);
          }
          const end = nameEnds[i] as number;
          if (kind !== "dir" && selectBytes) {
            // Settled here: counted as seen (visit() counts the others itself).
            if (!selectBytes(buf, start, end, kind)) {
              this.stats.entries++;
              continue;
            }
            if (countOnly) {
              this.stats.entries++;
              counted++;
              continue;
            }
          }
          this.visitNative(task, entries, buf, start, end, kind);
        }
      }
      if (entries.length > 0 || counted > 0) {
        const batch: WalkBatch = { dir: task.path, depth: task.depth, entries };
        if (counted > 0) batch.counted = counted;
        if (task.dev !== undefined) batch.dev = task.dev;
        if (task.ino !== undefined) batch.ino = task.ino;
        this.ready.push(batch);
      }
    } catch (error) {
      this.error(task.path, "readdir", error);
    } finally {
      this.nativeDir = -1;
      if (below) native.close(fd);
      this.release(task.root as OpenRoot);
    }
  }

  /** One task of the root done: the last one closes it. */
  private release(root: OpenRoot): void {
    if (--root.tasks > 0) return;
    if (this.openRoots.size > 0) this.openRoots.delete(root);
    this.native?.close(root.fd);
  }

  /** An entry past the byte test: its name as text (and bytes when not UTF-8), then visit(). */
  private visitNative(
    task: DirTask,
    entries: WalkEntry[],
    buf: Uint8Array,
    start: number,
    end: number,
    kind: EntryKind,
  ): void {
    const text = this.nativeText as Buffer;
    let ascii = true;
    for (let i = start; i < end; i++) if ((buf[i] as number) > 0x7f) ascii = false;
    const name = text.toString(ascii ? "latin1" : "utf8", start, end);
    let bytes: Buffer | undefined;
    if (!ascii && name.includes("\uFFFD")) {
      const raw = Buffer.from(buf.subarray(start, end));
      if (!isUtf8(raw)) bytes = raw;
    }
    this.nativeName = start;
    this.visit(task, entries, name, bytes, kind);
  }

  /** lstat (stat under follow) of an entry: relative to the open directory when reading natively. */
  private statOf(entry: Entry): FileStat {
    if (this.native && this.nativeDir >= 0) {
      const stat = this.native.statEntry(this.nativeDir, this.nativeName);
      if (typeof stat === "number") throw errnoError(stat, "statx", toText(entry.path));
      return stat;
    }
    return this.follow ? statSync(entry.path) : lstatSync(entry.path);
  }

  private visit(
    task: DirTask,
    entries: WalkEntry[],
    name: string,
    bytes: Buffer | undefined,
    kind: EntryKind,
  ): void {
    if (!this.hidden && name.charCodeAt(0) === 46) return;
    this.stats.entries++;
    const depth = task.depth + 1;
    // Objects are only built for entries that get past the cheap tests: most of a big walk doesn't.
    let entry: Entry | undefined;
    if (kind === "symlink" && this.follow) {
      entry = new Entry(task.path, name, bytes, kind, depth);
      try {
        const target = statSync(entry.path);
        entry.kind = kindOfStat(target);
        entry.followed = true;
        entry.stat = target;
      } catch {
        // Broken or looping link: reported as the symlink it is.
      }
      kind = entry.kind;
    }
    const { select, filter, needsStat, descend } = this.options;
    if (kind === "dir" && depth < this.maxDepth) {
      entry ??= new Entry(task.path, name, bytes, kind, depth);
      if (!descend || descend(entry)) {
        const child = this.childTask(task, entry, depth);
        if (child) {
          // Its root stays open for it (and is closed at the end if the walk stops before).
          if (child.root && child.root.tasks++ === 1) this.openRoots.add(child.root);
          this.pending.push(child);
        }
      }
    }
    if (depth > this.maxDepth) return;
    if (select && !select(name, kind)) return;
    entry ??= new Entry(task.path, name, bytes, kind, depth);
    if (needsStat && entry.stat === undefined && needsStat(entry)) {
      try {
        entry.stat = this.statOf(entry);
      } catch (error) {
        this.error(entry.path, "stat", error);
        return;
      }
    }
    if (!filter || filter(entry)) entries.push(entry);
  }

  /** The task for a subdirectory, or nothing when it is on another device or closes a loop. */
  private childTask(parent: DirTask, entry: WalkEntry, depth: number): DirTask | undefined {
    const sameDevice = this.options.sameDevice ?? false;
    const child: DirTask = { path: entry.path, depth, parent };
    if (parent.rootDev !== undefined) child.rootDev = parent.rootDev;
    if (parent.root) child.root = parent.root;
    // Read natively, the directory's own ids are taken once it is open (readNative).
    if (!this.needDirIds || this.native) return child;
    let stat: FileStat;
    try {
      stat = entry.stat ?? (this.follow ? statSync(entry.path) : lstatSync(entry.path));
    } catch (error) {
      this.error(entry.path, "stat", error);
      return undefined;
    }
    if (!entry.stat && !this.follow) entry.stat = stat;
    child.dev = stat.dev;
    child.ino = stat.ino;
    if (sameDevice && stat.dev !== parent.rootDev) return undefined;
    if (this.follow) {
      for (let up: DirTask | undefined = parent; up; up = up.parent) {
        if (up.dev === stat.dev && up.ino === stat.ino) {
          this.report({
            path: entry.path,
            op: "readdir",
            code: "ELOOP",
            message: `filesystem loop: ${toText(entry.path)} is ${toText(up.path)}; not descending`,
          });
          return undefined;
        }
      }
    }
    return child;
  }

  /** Names as bytes where they are not UTF-8, with their kinds. */
  private rawNamesOf(dir: FsPath, dirents: Dirent[]): RawName[] {
    const kinds = new Map(dirents.map((dirent) => [dirent.name, kindOfDirent(dirent, dir)]));
    const raw = readdirSync(dir as string, { encoding: "buffer" }) as unknown as Buffer[];
    return raw.map((bytes) => {
      const name = bytes.toString("utf8");
      if (isUtf8(bytes)) return { name, kind: kinds.get(name) ?? lstatKind(joinPath(dir, name)) };
      return { name, bytes, kind: lstatKind(joinPath(dir, bytes)) };
    });
  }

  private error(path: FsPath, op: WalkError["op"], error: unknown): void {
    this.report(walkError(path, op, error));
  }

  private report(error: WalkError): void {
    this.stats.errors++;
    this.options.onError?.(error);
  }
}

/** The report of an error met at `path` (its message without the path: that is shown apart). */
export function walkError(path: FsPath, op: WalkError["op"], error: unknown): WalkError {
  const err = error as NodeJS.ErrnoException | undefined;
  return { path, op, code: err?.code ?? "EUNKNOWN", message: describeErrno(err) };
}

/** A directory that could not be opened; below a root, a race (`raced`) is said as such. */
export function openDirError(path: FsPath, belowRoot: boolean, error: unknown): WalkError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? "";
  const why = belowRoot ? raced[code] : undefined;
  return why ? { path, op: "readdir", code, message: why } : walkError(path, "readdir", error);
}

/** stat (lstat unless `follow`) of a root; one past PATH_MAX through the native layer. */
export function statRoot(root: FsPath, follow: boolean, native: NativeFs | undefined): FileStat {
  try {
    return follow ? statSync(root) : lstatSync(root);
  } catch (error) {
    if (!native || (error as NodeJS.ErrnoException).code !== "ENAMETOOLONG") throw error;
    return native.statPath(root, follow);
  }
}

/** Bytes of a root's path that come before the relative path of a directory below it. */
function rootPrefix(root: FsPath): number {
  const bytes = toBytes(root);
  return bytes[bytes.length - 1] === 0x2f ? bytes.length : bytes.length + 1;
}

interface RawName {
  name: string;
  bytes?: Buffer;
  kind: EntryKind;
}

function kindOfDirent(dirent: Dirent, dir: FsPath): EntryKind {
  if (dirent.isFile()) return "file";
  if (dirent.isDirectory()) return "dir";
  if (dirent.isSymbolicLink()) return "symlink";
  if (dirent.isFIFO() || dirent.isSocket() || dirent.isBlockDevice() || dirent.isCharacterDevice())
    return "other";
  // DT_UNKNOWN (some filesystems do not fill d_type): ask the inode.
  return lstatKind(joinPath(dir, dirent.name));
}

function lstatKind(path: FsPath): EntryKind {
  try {
    return kindOfStat(lstatSync(path));
  } catch {
    return "other";
  }
}

export function kindOfStat(stat: FileStat): EntryKind {
  if (stat.isFile()) return "file";
  if (stat.isDirectory()) return "dir";
  if (stat.isSymbolicLink()) return "symlink";
  return "other";
}

/** "permission denied" rather than "EACCES: permission denied, scandir '/x'" (the path is shown apart). */
export function describeErrno(error: NodeJS.ErrnoException | undefined): string {
  if (!error) return "unknown error";
  const known: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOENT: "no such file or directory",
    ENOTDIR: "not a directory",
    ELOOP: "too many levels of symbolic links",
    EXDEV: "crosses a filesystem boundary",
    EBUSY: "resource busy",
    EROFS: "read-only filesystem",
    ENOSPC: "no space left on device",
    ENAMETOOLONG: "file name too long",
  };
  return (error.code && known[error.code]) || error.message || String(error);
}
