/**
 * logclean's engine, a pipeline over the walker: walk (directories read concurrently) -> match
 * and stat the logs -> plan per directory (keep-newest, age) -> act (delete now, compress on a
 * small pool) -> report one event per action. With a --max-delete valve the plan is completed
 * first and nothing is touched if it is too big.
 */
import { withSpan } from "../../telemetry/span.ts";
import { mountKey } from "../mounts.ts";
import { displayPath, type FsPath, toBytes } from "../path.ts";
import { type WalkError, walk } from "../walk.ts";
import {
  archiveOf,
  bytesFreedBy,
  Changed,
  ensureCompressible,
  ensureNoArchive,
  enterDirectory,
  removeIfUnchanged,
  verifyDirectory,
} from "./act.ts";
import { RootDescriptors } from "./beneath-root.ts";
import { cleanRootCompiled, compiledClean } from "./clean-compiled.ts";
import { compressLog } from "./compress.ts";
import { failureEvent } from "./failure-event.ts";
import {
  type CleanPolicy,
  logMatcher,
  logMatcherBytes,
  type PlannedFile,
  planDirectory,
} from "./plan.ts";
import { packFiles, type RemoveResult } from "./remove-job.ts";
import { RemovePool } from "./remove-pool.ts";
import { DirectoryRemover, nameBytesOf } from "./remover.ts";
import type { RootCheck } from "./roots.ts";

export interface CleanOptions extends CleanPolicy {
  roots: readonly RootCheck[];
  crossDevices: boolean;
  /** Mount points (bind mounts share a device number, so st_dev alone misses them). */
  mountPoints: ReadonlySet<string>;
  maxDelete?: number;
  dryRun: boolean;
  signal?: AbortSignal;
  /** Files gzipped at the same time (default 2). */
  compressConcurrency?: number;
  /** Runs right before each planned change (instrumentation; tests use it to race the re-check). */
  beforeAct?: (file: PlannedFile) => void | Promise<void>;
  /** Runs right before the walk opens each directory (tests swap one for a symlink there). */
  beforeOpenDir?: (dir: FsPath) => void;
  /** Threads of clean-compiled.ts's walk (default 4). */
  threads?: number;
  /** "javascript": clean.ts's own walk even where clean-compiled.ts's would run (tests of its parts). */
  walker?: "javascript";
  /** Called after each directory, for progress. */
  onProgress?: (summary: Readonly<CleanSummary>) => void;
  /**
   * The module a remover Worker starts (the tool's entry, see remove-worker.ts): deletions then
   * run on it, overlapping the walk. Undefined = everything on this thread.
   */
  workerUrl?: string;
}

export type CleanEvent =
  | {
      event: "delete" | "compress";
      path: FsPath;
      size: number;
      mtimeMs: number;
      dryRun: boolean;
      /** Bytes given back (for compress: original minus .gz; unknown before a real run). */
      bytesFreed: number | null;
      target?: FsPath;
    }
  | { event: "skip"; path: FsPath; reason: string }
  | { event: "error"; path: FsPath; op: string; code: string; message: string };

export interface CleanSummary {
  scanned: number;
  dirs: number;
  matched: number;
  deleted: number;
  compressed: number;
  skipped: number;
  errors: number;
  bytesFreed: number;
  dryRun: boolean;
  /** Which walk ran (for --log-level debug): clean-compiled.ts's threads or the one here. */
  walker?: "compiled" | "javascript";
  /** Set when --max-delete stopped the run before any change. */
  valve?: { wouldDelete: number; maxDelete: number };
  durationSeconds: number;
}

interface DirectoryPlan {
  dir: FsPath;
  dev: number | undefined;
  ino: number | undefined;
  files: PlannedFile[];
}

export async function clean(
  options: CleanOptions,
  onEvent: (event: CleanEvent) => void,
): Promise<CleanSummary> {
  const started = performance.now();
  const summary: CleanSummary = {
    scanned: 0,
    dirs: 0,
    matched: 0,
    deleted: 0,
    compressed: 0,
    skipped: 0,
    errors: 0,
    bytesFreed: 0,
    dryRun: options.dryRun,
    durationSeconds: 0,
  };
  const emit = (event: CleanEvent) => {
    if (event.event === "error") summary.errors++;
    else if (event.event === "skip") summary.skipped++;
    onEvent(event);
  };
  const compiled = compiledClean(options);
  let roots = options.roots;
  if (compiled) {
    summary.walker = "compiled";
    // A root the threads could not start on (a pids limit) is cleaned below, the usual way.
    const left: RootCheck[] = [];
    for (const root of options.roots) {
      if (options.signal?.aborted) break;
      if (!(await cleanRootCompiled(root, options, compiled, summary, emit))) left.push(root);
    }
    roots = left;
  }
  if (roots.length > 0 && !options.signal?.aborted) {
    if (roots.length === options.roots.length) summary.walker = "javascript";
    await cleanWalked({ ...options, roots }, summary, emit);
  }
  summary.durationSeconds = (performance.now() - started) / 1000;
  return summary;
}

/** clean.ts's own way: the walk here, deletions on the remover Worker, compression on a pool. */
async function cleanWalked(
  options: CleanOptions,
  summary: CleanSummary,
  emit: (event: CleanEvent) => void,
): Promise<void> {
  const before = { scanned: summary.scanned, dirs: summary.dirs };
  const isLog = logMatcher(options);
  const isLogBytes = logMatcherBytes(options);
  const { mountPoints } = options;
  const roots = options.roots.map((root) => toBytes(root.real));
  const walker = walk(
    options.roots.map((root) => root.real),
    {
      hidden: true,
      follow: false,
      followRoots: false,
      statDirs: true,
      sameDevice: !options.crossDevices,
      ...(options.crossDevices
        ? {}
        : { descend: (entry) => !mountPoints.has(mountKey(entry.path)) }),
      select: (name, kind) => kind === "file" && isLog(name),
      ...(isLogBytes
        ? { selectBytes: (buf, start, end, kind) => kind === "file" && isLogBytes(buf, start, end) }
        : {}),
      needsStat: () => true,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.beforeOpenDir ? { beforeOpenDir: options.beforeOpenDir } : {}),
      onError: (error) => emit(vanished(error, roots) ?? { event: "error", ...error }),
    },
  );
  const actor = new Actor(options, summary, emit);
  try {
    const held: DirectoryPlan[] = [];
    let plannedDeletes = 0;
    for await (const batch of walker) {
      summary.matched += batch.entries.length;
      const files = planDirectory(batch.entries, options);
      if (files.length > 0) {
        const plan = { dir: batch.dir, dev: batch.dev, ino: batch.ino, files };
        if (options.maxDelete === undefined) await actor.run(plan);
        else {
          held.push(plan);
          for (const file of files) if (file.action === "delete") plannedDeletes++;
        }
      }
      summary.scanned = before.scanned + walker.stats.entries;
      summary.dirs = before.dirs + walker.stats.dirs;
      options.onProgress?.(summary);
    }
    if (options.maxDelete !== undefined) {
      if (plannedDeletes > options.maxDelete) {
        summary.valve = { wouldDelete: plannedDeletes, maxDelete: options.maxDelete };
      } else {
        for (const plan of held) {
          if (options.signal?.aborted) break;
          await actor.run(plan);
          options.onProgress?.(summary);
        }
      }
    }
    await actor.drain();
  } finally {
    actor.close();
  }
  summary.scanned = before.scanned + walker.stats.entries;
  summary.dirs = before.dirs + walker.stats.dirs;
}

/**
 * A log or a directory below a root that was removed (logrotate, the app, kubelet) between its
 * listing and its stat or open: nothing left to clean, a skip as for a log gone before its unlink,
 * not a failure. A root that is gone stays an error.
 */
function vanished(error: WalkError, roots: readonly Buffer[]): CleanEvent | undefined {
  if (error.code !== "ENOENT" || error.op === "root") return undefined;
  if (error.op === "stat")
    return { event: "skip", path: error.path, reason: "vanished before it was examined" };
  const path = toBytes(error.path);
  if (roots.some((root) => root.equals(path))) return undefined;
  return { event: "skip", path: error.path, reason: "vanished before it was read" };
}

/**
 * Directories whose deletions may be queued on the remover Worker at once: enough for the walk
 * to go on while the Worker starts and through uneven directories (a job is a few KiB).
 */
const removeInFlight = 32;

/** Makes the planned changes of one directory; compression runs on a bounded pool. */
class Actor {
  private readonly compressing = new Set<Promise<void>>();
  private readonly removing = new Set<Promise<void>>();
  private readonly poolSize: number;
  /** The remover Worker; undefined: deletions run on this thread. */
  private readonly pool: RemovePool | undefined;
  /** The roots, open for the run: this thread opens each directory below its root's descriptor. */
  private readonly roots: RootDescriptors;

  constructor(
    private readonly options: CleanOptions,
    private readonly summary: CleanSummary,
    private readonly emit: (event: CleanEvent) => void,
  ) {
    this.poolSize = Math.max(1, options.compressConcurrency ?? 2);
    this.roots = new RootDescriptors(options.roots);
    // Started with the walk, so its start-up overlaps reading the first directories. beforeAct
    // (tests racing the re-check) must run right before each file: those stay on this thread.
    if (!options.dryRun && !options.beforeAct) this.pool = RemovePool.start(options.workerUrl);
  }

  /** One span per directory batch with planned changes (a no-op without OTLP). */
  run(plan: DirectoryPlan): Promise<void> {
    const deletes = plan.files.filter((file) => file.action === "delete");
    const pool = this.poolFor(plan, deletes.length);
    if (pool) return this.runOnPool(pool, plan, deletes);
    const before = { ...this.summary };
    return withSpan(
      "clean directory",
      {
        "file.directory": displayPath(plan.dir),
        "opsctl.files.planned": plan.files.length,
        "opsctl.dry_run": this.options.dryRun,
      },
      async (span) => {
        await this.runUntraced(plan, deletes);
        const errors = this.summary.errors - before.errors;
        span.setAttributes({
          "opsctl.files.deleted": this.summary.deleted - before.deleted,
          "opsctl.files.skipped": this.summary.skipped - before.skipped,
          "opsctl.errors": errors,
        });
        if (errors > 0) span.fail(`${errors} files could not be cleaned`);
      },
    );
  }

  private async runUntraced(plan: DirectoryPlan, deletes: PlannedFile[]): Promise<void> {
    if (this.options.signal?.aborted) return;
    if (this.options.dryRun) {
      // The real run deletes first: a .gz that expires now is no obstacle to compressing its log.
      const deleted = new Set(deletes.map((file) => toBytes(file.path).toString("latin1")));
      for (const file of plan.files) {
        if (file.action === "compress") {
          const target = archiveOf(file.path);
          try {
            ensureCompressible(file.path);
            if (!deleted.has(toBytes(target).toString("latin1"))) ensureNoArchive(target);
          } catch (error) {
            this.failed(file, error);
            continue;
          }
        }
        if (file.action === "delete") {
          this.summary.deleted++;
          this.summary.bytesFreed += bytesFreedBy(file.stat);
        } else this.summary.compressed++;
        this.report(file, file.action === "delete" ? bytesFreedBy(file.stat) : null);
      }
      return;
    }
    const { beforeAct } = this.options;
    let remover: DirectoryRemover | undefined;
    let leave: (() => void) | undefined;
    try {
      if (deletes.length > 0) {
        const root = this.roots.openFor(plan.dir);
        remover = DirectoryRemover.open(root, plan.dir, plan.dev, plan.ino);
      }
      if (!remover) {
        // node:fs (off Linux, OPSCTL_FS_NATIVE=0) goes by path and checks where it landed.
        leave = deletes.length > 0 ? enterDirectory(plan.dir, plan.dev, plan.ino) : undefined;
        if (!leave) verifyDirectory(plan.dir, plan.dev, plan.ino);
      }
    } catch (error) {
      for (const file of plan.files) this.failed(file, error);
      return;
    }
    try {
      for (const file of deletes) {
        if (this.options.signal?.aborted) return;
        try {
          if (beforeAct) await beforeAct(file);
          let freed: number;
          if (remover) freed = remover.remove(nameBytesOf(file.path), file.stat);
          else {
            // Inside the directory a text path's last component is its exact name.
            const target = leave && typeof file.path === "string" ? file.name : file.path;
            freed = removeIfUnchanged(target, file.stat);
          }
          this.summary.deleted++;
          this.summary.bytesFreed += freed;
          this.report(file, freed);
        } catch (error) {
          this.failed(file, error);
        }
      }
    } finally {
      remover?.close();
      leave?.();
    }
    for (const file of plan.files) {
      if (this.options.signal?.aborted) return;
      if (file.action === "compress") await this.compress(plan, file);
    }
  }

  /** The Worker for this plan's deletions, or undefined to delete on this thread. */
  private poolFor(plan: DirectoryPlan, deletes: number): RemovePool | undefined {
    if (deletes === 0 || plan.dev === undefined || plan.ino === undefined) return undefined;
    return this.pool;
  }

  /**
   * Queues the directory's deletions on the Worker and returns once there is room for more, so
   * the walk goes on while they run; outcomes are reported as they come back.
   */
  private async runOnPool(
    pool: RemovePool,
    plan: DirectoryPlan,
    deletes: PlannedFile[],
  ): Promise<void> {
    while (this.removing.size >= removeInFlight) await Promise.race(this.removing);
    if (this.options.signal?.aborted) return;
    const attributes = {
      "file.directory": displayPath(plan.dir),
      "opsctl.files.planned": plan.files.length,
      "opsctl.dry_run": false,
    };
    const job = withSpan("clean directory", attributes, async (span) => {
      let result: RemoveResult | undefined;
      try {
        const { real, dev, ino } = this.roots.rootOf(plan.dir);
        result = await pool.run({
          root: { real, dev, ino },
          dir: plan.dir,
          dev: plan.dev as number,
          ino: plan.ino as number,
          ...packFiles(deletes),
        });
      } catch (error) {
        for (const file of deletes) this.failed(file, error);
        span.fail(`${deletes.length} files could not be cleaned`);
        return;
      }
      const counts = this.applyOutcomes(deletes, result);
      span.setAttributes({
        "opsctl.files.deleted": counts.deleted,
        "opsctl.files.skipped": counts.skipped,
        "opsctl.errors": counts.errors,
      });
      if (counts.errors > 0) span.fail(`${counts.errors} files could not be cleaned`);
    });
    const tracked = job.finally(() => this.removing.delete(tracked));
    this.removing.add(tracked);
    // As on this thread, deletions come first: an expired NAME.gz must be gone before its log is
    // compressed to NAME.gz again (else 'the .gz file already exists').
    if (plan.files.some((file) => file.action === "compress")) await tracked;
    for (const file of plan.files) {
      if (this.options.signal?.aborted) return;
      if (file.action === "compress") await this.compress(plan, file);
    }
  }

  private applyOutcomes(files: PlannedFile[], result: RemoveResult) {
    const counts = { deleted: 0, skipped: 0, errors: 0 };
    const problems = new Map(result.problems.map(({ index, problem }) => [index, problem]));
    files.forEach((file, i) => {
      const freed = result.freed[i] ?? -1;
      if (freed >= 0) {
        counts.deleted++;
        this.summary.deleted++;
        this.summary.bytesFreed += freed;
        this.report(file, freed);
        return;
      }
      const outcome = problems.get(i) ?? {
        code: "EUNKNOWN",
        message: "no answer from the remover",
      };
      if ("changed" in outcome) {
        counts.skipped++;
        this.failed(file, new Changed(outcome.changed));
      } else {
        const error: NodeJS.ErrnoException = new Error(outcome.message);
        error.code = outcome.code;
        if (outcome.code === "ENOENT") counts.skipped++;
        else counts.errors++;
        this.failed(file, error);
      }
    });
    return counts;
  }

  /**
   * Starts a compression, waiting first if the pool is full (backpressure on the walk). It works
   * in the directory the walk read, checked again when it starts (compress.ts).
   */
  private async compress(plan: DirectoryPlan, file: PlannedFile): Promise<void> {
    while (this.compressing.size >= this.poolSize) await Promise.race(this.compressing);
    const job = (async () => {
      try {
        if (this.options.beforeAct) await this.options.beforeAct(file);
        const root = this.roots.openFor(plan.dir);
        const done = await compressLog(root, plan.dir, plan.dev, plan.ino, file.path, file.stat);
        this.summary.compressed++;
        // With other hard links the log's data stays: the .gz adds to the disk, frees nothing.
        const freed = file.stat.nlink > 1 ? 0 : done.bytesFreed;
        this.summary.bytesFreed += freed;
        this.report(file, freed, done.target);
      } catch (error) {
        this.failed(file, error);
      }
    })();
    const tracked = job.finally(() => this.compressing.delete(tracked));
    this.compressing.add(tracked);
  }

  async drain(): Promise<void> {
    while (this.removing.size > 0) await Promise.race(this.removing);
    while (this.compressing.size > 0) await Promise.race(this.compressing);
  }

  close(): void {
    this.pool?.close();
    this.roots.close();
  }

  private report(file: PlannedFile, bytesFreed: number | null, target?: FsPath): void {
    this.emit({
      event: file.action,
      path: file.path,
      size: file.stat.size,
      mtimeMs: file.stat.mtimeMs,
      dryRun: this.options.dryRun,
      bytesFreed,
      ...(target !== undefined ? { target } : {}),
    });
  }

  private failed(file: PlannedFile, error: unknown): void {
    this.emit(failureEvent(file.path, file.action, error));
  }
}
