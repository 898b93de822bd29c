/**
 * The walk of walker.c on real threads, compiled at run time by Bun's TinyCC (tinycc.ts, about
 * 3 ms). Undefined wherever that fails: callers then walk in JavaScript.
 *
 *   const walker = compiledWalker();
 *   await walker?.walk(rootFd, { ... }, { paths: (bytes) => out.raw(bytes), error(...) {} });
 */

import type { Pointer } from "bun:ffi";
import type { ByteGlob } from "../glob.ts";
import cleanSource from "./clean.c" with { type: "text" };
import { compileC } from "./tinycc.ts";
import walkerSource from "./walker.c" with { type: "text" };

/** One translation unit: clean.c uses walker.c's pieces, walker.c calls clean.c for logclean. */
const source = `${walkerSource}\n${cleanSource}`;

export interface CompiledWalkPlan {
  threads: number;
  /** Deepest level reported: 1 = the root's entries (undefined: unlimited). */
  maxDepth?: number;
  hidden: boolean;
  /** Kinds reported: undefined = all. */
  type?: "file" | "dir" | "symlink";
  globs: readonly ByteGlob[];
  /** Paths handed over (with this byte after each), or only counted. */
  separator?: "\n" | "\0";
  /** The root as given and the "/" put after it (joinPath's rule). */
  prefix: Uint8Array;
  /** open(2) flags for a directory below the root, and O_NOFOLLOW (they differ by architecture). */
  openFlags: number;
  nofollow: number;
  /** logclean's walk (clean.c): logs examined, planned and deleted on the threads. */
  clean?: CompiledCleanPlan;
}

/** What clean.c needs of logclean's policy; `globs` (above) are the --match globs. */
export interface CompiledCleanPlan {
  dryRun: boolean;
  crossDevices: boolean;
  keepNewest: number;
  exclude: readonly ByteGlob[];
  /** Logs whose mtime (ms) is before this are deleted. */
  deleteBeforeMs: number;
  minSize?: number;
}

export interface CompiledWalkSink {
  /**
   * Whole paths, each followed by the separator, in chunks of about 64 KiB; for a clean walk,
   * clean.c's records instead (read by lib/fs/clean/clean-compiled.ts).
   */
  paths(bytes: Uint8Array): void;
  /** A directory that could not be read: its path below the root ("" = the root), errno, the call. */
  error(below: Buffer, errno: number, call: string): void;
  /** Once the threads run: how to read the number of matches so far (for progress). */
  started?(matched: () => number): void;
}

export interface CompiledWalkResult {
  matched: number;
  entries: number;
  dirs: number;
  errors: number;
}

/** No thread could be started (a pids limit, say): the caller walks in JavaScript instead. */
export class WalkerThreadsUnavailable extends Error {}

export interface CompiledWalker {
  walk(
    rootFd: number,
    plan: CompiledWalkPlan,
    sink: CompiledWalkSink,
    signal?: AbortSignal,
  ): Promise<CompiledWalkResult>;
}

/** Room in struct control for the globs (2 bytes each and their text) and for the root's path. */
export const globBytesLimit = 4096;
export const prefixLimit = 4096;

// struct control's fields (walker.c), checked against walker_layout when compiled.
const at = {
  rootFd: 0,
  threads: 4,
  maxDepth: 8,
  hidden: 12,
  typeMask: 16,
  print: 20,
  separator: 24,
  openFlags: 28,
  nofollow: 32,
  useOpenat2: 36,
  globCount: 40,
  prefixLen: 44,
  stop: 48,
  outOfMemory: 56,
  counters: 64,
  globs: 96,
  prefix: 96 + globBytesLimit,
  clean: 96 + globBytesLimit + prefixLimit,
  dryRun: 100 + globBytesLimit + prefixLimit,
  crossDevices: 104 + globBytesLimit + prefixLimit,
  keepNewest: 108 + globBytesLimit + prefixLimit,
  excludeCount: 112 + globBytesLimit + prefixLimit,
  deleteBefore: 128 + globBytesLimit + prefixLimit,
  minSize: 136 + globBytesLimit + prefixLimit,
  excludes: 144 + globBytesLimit + prefixLimit,
  size: 144 + 2 * globBytesLimit + prefixLimit,
};
/** The call that failed, by walker.c's and clean.c's OP_ numbers (error and clean records). */
export const calls = ["open", "openat2", "getdents64", "statx", "unlink"];
const chunkData = 32;
const kindBits = { file: 1, dir: 2, symlink: 4 } as const;
const globKinds = { exact: 0, suffix: 1, prefix: 2 } as const;

/** libc's functions in the order of walker.c's struct c. */
const libcFunctions = [
  "malloc",
  "free",
  "pthread_create",
  "pthread_join",
  "pthread_mutex_lock",
  "pthread_mutex_unlock",
  "pthread_cond_wait",
  "pthread_cond_broadcast",
  "syscall",
  "openat",
  "getdents64",
  "statx",
  "close",
  "__errno_location",
  "realloc",
  "unlinkat",
];

interface Symbols {
  walker_layout(field: number): number;
  walker_start(control: Pointer, notify: Pointer): Pointer | null;
  walker_take(walk: Pointer): Pointer | null;
  walker_free_chunk(chunk: Pointer): void;
  walker_stop(walk: Pointer): void;
  walker_finish(walk: Pointer): void;
}

let compiled: CompiledWalker | null | undefined;

/** The compiled walker, built on first use; undefined where it cannot be (see tinycc.ts). */
export function compiledWalker(): CompiledWalker | undefined {
  if (compiled === undefined) compiled = compile() ?? null;
  return compiled ?? undefined;
}

function compile(): CompiledWalker | undefined {
  const ffi = require("bun:ffi") as typeof import("bun:ffi");
  const { FFIType } = ffi;
  const c = compileC<Symbols>(
    "opsctl-walker.c",
    source,
    {
      walker_layout: { args: [FFIType.i32], returns: FFIType.i64_fast },
      walker_start: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.ptr },
      walker_take: { args: [FFIType.ptr], returns: FFIType.ptr },
      walker_free_chunk: { args: [FFIType.ptr], returns: FFIType.void },
      walker_stop: { args: [FFIType.ptr], returns: FFIType.void },
      walker_finish: { args: [FFIType.ptr], returns: FFIType.void },
    },
    libcFunctions,
    "walker_setup",
  );
  if (!c) return undefined;
  const layout = [
    at.size,
    at.counters,
    at.globs,
    at.prefix,
    at.stop,
    chunkData,
    at.outOfMemory,
    at.clean,
    at.deleteBefore,
    at.excludes,
  ];
  if (layout.some((offset, field) => Number(c.walker_layout(field)) !== offset)) return undefined;
  return { walk: (rootFd, plan, sink, signal) => walk(ffi, c, rootFd, plan, sink, signal) };
}

async function walk(
  ffi: typeof import("bun:ffi"),
  c: Symbols,
  rootFd: number,
  plan: CompiledWalkPlan,
  sink: CompiledWalkSink,
  signal: AbortSignal | undefined,
): Promise<CompiledWalkResult> {
  const control = new Uint8Array(at.size);
  const view = new DataView(control.buffer);
  const int = (offset: number, value: number) => view.setInt32(offset, value, true);
  int(at.rootFd, rootFd);
  int(at.threads, plan.threads);
  int(at.maxDepth, Math.min(plan.maxDepth ?? 2 ** 31 - 1, 2 ** 31 - 1));
  int(at.hidden, plan.hidden ? 1 : 0);
  int(at.typeMask, plan.type ? kindBits[plan.type] : 15);
  int(at.print, plan.separator === undefined ? 0 : 1);
  int(at.separator, plan.separator === "\0" ? 0 : 0x0a);
  int(at.openFlags, plan.openFlags);
  int(at.nofollow, plan.nofollow);
  int(at.useOpenat2, process.env.OPSCTL_FS_OPENAT2 === "0" ? 0 : 1);
  int(at.globCount, plan.globs.length);
  putGlobs(control, at.globs, plan.globs);
  int(at.prefixLen, plan.prefix.length);
  const { clean } = plan;
  if (clean) {
    int(at.clean, 1);
    int(at.dryRun, clean.dryRun ? 1 : 0);
    int(at.crossDevices, clean.crossDevices ? 1 : 0);
    int(at.keepNewest, Math.min(clean.keepNewest, 2 ** 31 - 1));
    int(at.excludeCount, clean.exclude.length);
    putGlobs(control, at.excludes, clean.exclude);
    view.setFloat64(at.deleteBefore, clean.deleteBeforeMs, true);
    view.setFloat64(at.minSize, clean.minSize ?? -1, true);
  }
  control.set(plan.prefix, at.prefix);
  const counter = (index: number) => view.getFloat64(at.counters + index * 8, true);

  // Settled by the last thread's notify(2), which always comes: after it no thread calls back.
  const ended = Promise.withResolvers<void>();
  let failure: { error: unknown } | undefined;
  let walkPtr: Pointer | null = null;
  const drain = () => {
    for (;;) {
      const chunk = c.walker_take(walkPtr as Pointer);
      if (!chunk) return;
      const length = ffi.read.u32(chunk, 8);
      const isError = ffi.read.i32(chunk, 24) !== 0;
      // A copy: the chunk is freed right after.
      const bytes = Buffer.from(new Uint8Array(ffi.toArrayBuffer(chunk, chunkData, length)));
      c.walker_free_chunk(chunk);
      if (isError) readErrors(bytes, sink);
      else sink.paths(bytes);
    }
  };
  const notify = new ffi.JSCallback(
    (what: number) => {
      if (!failure) {
        try {
          drain();
        } catch (error) {
          // stdout failed: stop the threads; the rest of the queue is freed by walker_finish.
          failure = { error };
          c.walker_stop(walkPtr as Pointer);
        }
      }
      if (what === 2) ended.resolve();
    },
    { args: [ffi.FFIType.i32], returns: ffi.FFIType.void, threadsafe: true },
  );
  walkPtr = c.walker_start(ffi.ptr(control), notify.ptr as Pointer);
  if (!walkPtr) {
    notify.close();
    throw new WalkerThreadsUnavailable("could not start the walker threads");
  }
  const started = walkPtr;
  const stop = () => c.walker_stop(started);
  signal?.addEventListener("abort", stop, { once: true });
  if (signal?.aborted) stop();
  sink.started?.(() => counter(0));
  // Keeps the event loop alive: the threads' callbacks are not handles of their own.
  const alive = setInterval(() => {}, 2 ** 30);
  await ended.promise;
  clearInterval(alive);
  signal?.removeEventListener("abort", stop);
  if (!failure) drain();
  c.walker_finish(started);
  notify.close();
  if (failure) throw failure.error;
  if (view.getInt32(at.outOfMemory, true) !== 0)
    throw new Error("the walker threads ran out of memory: the walk stopped before its end");
  return { matched: counter(0), entries: counter(1), dirs: counter(2), errors: counter(3) };
}

/** Globs as walker.c reads them: per glob a kind byte, a length byte, the bytes. */
function putGlobs(control: Uint8Array, start: number, globs: readonly ByteGlob[]): void {
  let offset = start;
  for (const glob of globs) {
    control[offset] = globKinds[glob.kind];
    control[offset + 1] = glob.bytes.length;
    control.set(glob.bytes, offset + 2);
    offset += 2 + glob.bytes.length;
  }
}

/** Error records: errno, the call (i32 each), the path's length (i32), the path below the root. */
function readErrors(bytes: Buffer, sink: CompiledWalkSink): void {
  for (let offset = 0; offset + 12 <= bytes.length; ) {
    const errno = bytes.readInt32LE(offset);
    const call = calls[bytes.readInt32LE(offset + 4)] ?? "open";
    const length = bytes.readInt32LE(offset + 8);
    sink.error(bytes.subarray(offset + 12, offset + 12 + length), errno, call);
    offset += 12 + length;
  }
}
