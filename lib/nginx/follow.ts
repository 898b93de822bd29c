/**
 * tail -F for analysis: reads a file to its end, then keeps polling. A rotation (the path now
 * names another inode, or disappears and comes back) drains the old file and reopens the path
 * from its start; a truncation (the file got shorter) restarts from offset 0. A file that does
 * not exist yet is waited for, polled like the rest, and read from its start once it appears.
 * The file before a rotation is still read until it has been quiet for rotateWaitMs: logrotate
 * creates the new file before nginx reopens its log (USR1), and nginx writes to the old one until then.
 * A named pipe cannot be polled: it is read as a stream until its writer closes it.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync, statSync } from "node:fs";
import type { Analyzer } from "./analyzer.ts";
import { type FilePath, pathText, readError } from "./inputs.ts";
import { feedStream, LineFeeder, readBufferSize } from "./reader.ts";

export interface FollowOptions {
  path: FilePath;
  analyzer: Analyzer;
  signal: AbortSignal;
  pollMs?: number;
  /** How long the file before a rotation must give nothing before it is let go (default 5 s). */
  rotateWaitMs?: number;
  /** Called after each poll that read something. */
  onProgress?: () => void;
  /** Called on rotation/truncation, when a missing file is waited for and appears, and when a
   * rotated-in file cannot be read yet (for logs). */
  onEvent?: (
    event: "rotated" | "truncated" | "reopened" | "waiting" | "appeared" | "denied",
    path: string,
  ) => void;
}

function openOrUndefined(path: FilePath): number | undefined {
  try {
    return openSync(path, "r");
  } catch {
    return undefined;
  }
}

/**
 * The file to follow, opened, or undefined while it does not exist (tail -F waits for it);
 * throws naming the path and why it cannot be followed.
 */
function openToFollow(path: FilePath): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw Object.assign(
      new Error(`${pathText(path)}: cannot open for --follow: ${readError(error)}`),
      { code },
    );
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new Error(`${pathText(path)}: is a directory (--follow needs one file)`);
  }
  return fd;
}

/** Reads fd from `from` to its end into the feeder; returns the new offset. */
function readToEnd(fd: number, feeder: LineFeeder, from: number): number {
  let offset = from;
  for (;;) {
    const space = feeder.space();
    const n = readSync(fd, space, 0, space.length, offset);
    if (n <= 0) return offset;
    offset += n;
    feeder.commit(n);
  }
}

export async function followFile(options: FollowOptions): Promise<void> {
  const { path, analyzer, signal } = options;
  const pollMs = options.pollMs ?? 250;
  const rotateWaitMs = options.rotateWaitMs ?? 5000;
  const name = pathText(path);
  analyzer.source = name;
  let feeder = new LineFeeder(analyzer);
  let fd: number | undefined = openToFollow(path);
  let offset = 0;
  if (fd === undefined) options.onEvent?.("waiting", name);
  else if (!fstatSync(fd).isFile()) {
    // A named pipe (<(ssh web1 tail -F access.log)) has no offsets to read at or size to poll:
    // read as a stream to its end. On this fd: closed, the writer's next write would be a SIGPIPE.
    await feedStream(createReadStream("", { fd, highWaterMark: readBufferSize }), feeder, signal);
    if (!signal.aborted) feeder.finish();
    return;
  }
  /** Opens the path if no file is open (not there yet, or gone at a rotation's reopen). */
  let denied = false;
  const openIfMissing = () => {
    if (fd !== undefined) return;
    try {
      fd = openToFollow(path);
    } catch (error) {
      // A file rotated in with modes we may not read yet (logrotate's create before its chown or
      // a postrotate chmod): wait for it, as tail -F does, and say so once.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EACCES" && code !== "EPERM") throw error;
      if (!denied) options.onEvent?.("denied", name);
      denied = true;
      return;
    }
    offset = 0;
    if (fd !== undefined) {
      denied = false;
      options.onEvent?.("appeared", name);
    }
  };

  const drain = (): boolean => {
    if (fd === undefined) return false;
    const before = offset;
    offset = readToEnd(fd, feeder, offset);
    return offset > before;
  };
  /** The file before the last rotation, still read until quiet for rotateWaitMs. */
  let previous: { fd: number; offset: number; feeder: LineFeeder; quietSince: number } | undefined;
  const drainPrevious = (letGo: boolean) => {
    if (!previous) return;
    const before = previous.offset;
    previous.offset = readToEnd(previous.fd, previous.feeder, previous.offset);
    const now = Date.now();
    if (previous.offset > before) previous.quietSince = now;
    if (letGo || now - previous.quietSince >= rotateWaitMs) {
      previous.feeder.finish();
      closeSync(previous.fd);
      previous = undefined;
    }
  };

  while (!signal.aborted) {
    openIfMissing();
    drainPrevious(false);
    const read = drain();
    // Same path, other inode (or gone): the file was rotated.
    let current: ReturnType<typeof statSync> | undefined;
    try {
      current = statSync(path);
    } catch {
      current = undefined;
    }
    const mine = fd === undefined ? undefined : fstatSync(fd);
    if (
      fd !== undefined &&
      current &&
      mine &&
      (current.ino !== mine.ino || current.dev !== mine.dev)
    ) {
      drain();
      drainPrevious(true);
      previous = { fd, offset, feeder, quietSince: Date.now() };
      fd = openOrUndefined(path);
      offset = 0;
      feeder = new LineFeeder(analyzer);
      options.onEvent?.("rotated", name);
      continue;
    }
    if (current && mine && mine.size < offset) {
      // Truncated in place (copytruncate): start over; a held-back partial line is dropped.
      offset = 0;
      feeder = new LineFeeder(analyzer);
      options.onEvent?.("truncated", name);
      continue;
    }
    if (read) options.onProgress?.();
    await new Promise<void>((resolve) => {
      // The listener goes with its poll: left on the signal, one per poll piled up for hours.
      const stop = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", stop);
        resolve();
      }, pollMs);
      signal.addEventListener("abort", stop, { once: true });
    });
  }
  openIfMissing();
  drainPrevious(true);
  drain();
  feeder.finish();
  if (fd !== undefined) closeSync(fd);
}
