/**
 * logclean on the compiled walker's threads (native/clean.c): the walk, each log's statx and its
 * unlink (with --keep-newest: the plan per directory and the re-checks too) all run there; this
 * thread turns their records into the events clean.ts would give. For runs clean.ts would make of simple globs (`*.log`,
 * `app.log.*`), no compression, no --max-delete, no tracing and no test hooks; anything else,
 * and hosts where the walker cannot be compiled or started, take clean.ts's way.
 */
import { tracingEnabled } from "../../telemetry/span.ts";
import { type ByteGlob, simpleGlob } from "../glob.ts";
import {
  type CompiledWalker,
  calls,
  compiledWalker,
  globBytesLimit,
  prefixLimit,
  WalkerThreadsUnavailable,
} from "../native/compiled-walker.ts";
import { nativeFs } from "../native/dir.ts";
import {
  ENOENT,
  errnoError,
  O_CLOEXEC,
  O_DIRECTORY,
  O_NOFOLLOW,
  O_RDONLY,
} from "../native/libc.ts";
import { type FsPath, isUtf8, joinPath, textIfUtf8, toBytes, toText } from "../path.ts";
import { openDirError, walkError } from "../walk.ts";
import { Changed, changedReasons } from "./act.ts";
import { OpenRoot } from "./beneath-root.ts";
import type { CleanEvent, CleanOptions, CleanSummary } from "./clean.ts";
import { failureEvent } from "./failure-event.ts";
import type { RootCheck } from "./roots.ts";

export interface CompiledClean {
  walker: CompiledWalker;
  match: ByteGlob[];
  exclude: ByteGlob[];
}

/** How this run can go on the compiled walker, or undefined when it needs clean.ts's way. */
export function compiledClean(options: CleanOptions): CompiledClean | undefined {
  if (options.compressAfter !== undefined || options.maxDelete !== undefined) return undefined;
  if (options.beforeAct || options.beforeOpenDir || tracingEnabled()) return undefined;
  if (options.walker === "javascript") return undefined;
  const match = simpleGlobs(options.match);
  const exclude = simpleGlobs(options.exclude);
  if (!match || !exclude || !nativeFs()) return undefined;
  if (options.roots.some((root) => toBytes(root.real).length >= prefixLimit)) return undefined;
  const walker = compiledWalker();
  return walker ? { walker, match, exclude } : undefined;
}

function simpleGlobs(patterns: readonly string[]): ByteGlob[] | undefined {
  const globs: ByteGlob[] = [];
  let size = 0;
  for (const pattern of patterns) {
    const glob = simpleGlob(pattern);
    if (!glob || glob.bytes.length > 255) return undefined;
    size += 2 + glob.bytes.length;
    globs.push(glob);
  }
  return size <= globBytesLimit ? globs : undefined;
}

const dayMs = 86_400_000;
/**
 * Threads per root unless --threads says: the unlinks of one filesystem spread over the cores in
 * the kernel, and a thread waiting for a directory's blocks from disk (a cold cache) leaves the
 * others working.
 */
const defaultThreads = 4;
/** clean.c's record: type, code, op, path length (i32 each), size, mtime ms, bytes freed (f64). */
const recordHeader = 40;
const record = { deleted: 0, wouldDelete: 1, changed: 2, actFailed: 3, statFailed: 4 } as const;
const changedBy = [changedReasons.file, changedReasons.dirSwapped, changedReasons.dirReplaced];

/**
 * Cleans every root, one after the other, on the threads; `false` for a root the threads could
 * not start on (a pids limit, no mount-root bit from statx): the caller cleans it its own way.
 */
export async function cleanRootCompiled(
  root: RootCheck,
  options: CleanOptions,
  { walker, match, exclude }: CompiledClean,
  summary: CleanSummary,
  emit: (event: CleanEvent) => void,
): Promise<boolean> {
  let open: OpenRoot | undefined;
  try {
    open = OpenRoot.open(root);
  } catch (error) {
    // As the walk reports a root it cannot open (gone, replaced): an error, the others go on.
    // Its op as there: "root" when the root is gone (its lstat fails), "readdir" when it is
    // there but cannot be opened (EACCES).
    const gone = (error as NodeJS.ErrnoException).code === "ENOENT";
    emit(
      error instanceof Changed
        ? { event: "error", path: root.real, op: "root", code: "ECHANGED", message: error.message }
        : { event: "error", ...walkError(root.real, gone ? "root" : "readdir", error) },
    );
    return true;
  }
  if (!open) return false;
  const prefix = toBytes(joinPath(root.real, ""));
  const prefixText = typeof root.real === "string" ? prefix.toString() : undefined;
  // Text joined to text where both are UTF-8 (the usual case): no copy of the bytes per file.
  const pathOf = (below: Buffer): FsPath =>
    below.length === 0
      ? root.real
      : prefixText !== undefined && isUtf8(below)
        ? prefixText + below.toString()
        : textIfUtf8(Buffer.concat([prefix, below]));
  const { dryRun } = options;
  const onRecords = (bytes: Uint8Array) => {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 0; at + recordHeader <= buf.length; ) {
      const type = buf.readInt32LE(at);
      const code = buf.readInt32LE(at + 4);
      const op = buf.readInt32LE(at + 8);
      const length = buf.readInt32LE(at + 12);
      const size = buf.readDoubleLE(at + 16);
      const mtimeMs = buf.readDoubleLE(at + 24);
      const freed = buf.readDoubleLE(at + 32);
      const path = pathOf(buf.subarray(at + recordHeader, at + recordHeader + length));
      at += recordHeader + length;
      if (type === record.deleted || type === record.wouldDelete) {
        summary.deleted++;
        summary.bytesFreed += freed;
        emit({ event: "delete", path, size, mtimeMs, dryRun, bytesFreed: freed });
      } else if (type === record.changed) {
        emit({ event: "skip", path, reason: changedBy[code] ?? changedReasons.file });
      } else if (type === record.statFailed) {
        emit(
          code === ENOENT // removed since it was listed (logrotate): nothing to clean
            ? { event: "skip", path, reason: "vanished before it was examined" }
            : {
                event: "error",
                ...walkError(path, "stat", errnoError(code, "statx", toText(path))),
              },
        );
      } else {
        const error = errnoError(code, calls[op] ?? "unlink", toText(path));
        emit(failureEvent(path, "delete", error));
      }
    }
    summary.matched = before + walked.matched();
    options.onProgress?.(summary);
  };
  const before = summary.matched;
  const walked = { matched: () => 0 };
  try {
    const result = await walker.walk(
      open.fd,
      {
        threads: options.threads ?? defaultThreads,
        hidden: true,
        globs: match,
        prefix,
        openFlags: O_RDONLY | O_DIRECTORY | O_CLOEXEC,
        nofollow: O_NOFOLLOW,
        clean: {
          dryRun,
          crossDevices: options.crossDevices,
          keepNewest: Math.max(0, options.keepNewest ?? 0),
          exclude,
          deleteBeforeMs: options.now - options.days * dayMs,
          ...(options.minSize !== undefined ? { minSize: options.minSize } : {}),
        },
      },
      {
        paths: onRecords,
        error(below, errno, call) {
          const path = pathOf(below);
          if (errno === ENOENT && below.length > 0) {
            emit({ event: "skip", path, reason: "vanished before it was read" });
            return;
          }
          const error = openDirError(path, below.length > 0, errnoError(errno, call, toText(path)));
          emit({ event: "error", ...error });
        },
        started(matched) {
          walked.matched = matched;
        },
      },
      options.signal,
    );
    summary.scanned += result.entries;
    summary.dirs += result.dirs;
    summary.matched = before + result.matched;
    return true;
  } catch (error) {
    if (error instanceof WalkerThreadsUnavailable) return false;
    throw error;
  } finally {
    open.close();
  }
}
