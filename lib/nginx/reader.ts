/**
 * Feeds an Analyzer from a fixed read buffer: lines that straddle a read are moved to the front
 * of the buffer (a line longer than the buffer grows it, up to maxLineBytes). Plain files, .gz
 * (decompressed in-process, streaming) and any byte stream (stdin).
 */
import { closeSync, createReadStream, open, openSync, type ReadStream, readSync } from "node:fs";
import { promisify } from "node:util";
import { createGunzip } from "node:zlib";
import { nextTurn } from "../cli/next-turn.ts";
import type { Analyzer } from "./analyzer.ts";
import type { FilePath } from "./inputs.ts";

export const readBufferSize = 1 << 20;

/**
 * Longest line kept whole. nginx never writes one near this; a longer "line" is a run of NUL bytes
 * (a log truncated under a writer without O_APPEND) or not a log: it is one bad line and the rest
 * of it is skipped, instead of growing the buffer to its size.
 */
export const maxLineBytes = 64 << 20;

/** Accumulates chunks into whole lines for the analyzer; tracks line numbers. */
export class LineFeeder {
  private buf: Uint8Array;
  private filled = 0;
  /** Inside a line over the cap (already counted): drop bytes up to its newline. */
  private skipping = false;
  lineNumber: number;
  bytesRead = 0;

  constructor(
    private readonly analyzer: Analyzer,
    firstLineNumber = 1,
    size = readBufferSize,
    private readonly maxLine = maxLineBytes,
  ) {
    this.buf = analyzer.readBuffer(size);
    this.lineNumber = firstLineNumber;
  }

  /** Bytes the buffer holds now (it grows for long lines, up to the cap). */
  get capacity(): number {
    return this.current().length;
  }

  /**
   * The buffer as it is now: the analyzer's engine may have moved it (a long line) or grown its
   * memory (counting, or another reader's lines), which leaves an older view of it empty.
   */
  private current(): Uint8Array {
    this.buf = this.analyzer.currentBuffer(this.buf);
    return this.buf;
  }

  /** Room to read into (after any partial line kept from the last read). */
  space(): Uint8Array {
    this.current();
    if (this.filled === this.buf.length) {
      if (this.buf.length * 2 > this.maxLine) {
        this.analyzer.tooLong(this.buf, 0, this.filled, this.lineNumber, this.maxLine);
        this.lineNumber++;
        this.filled = 0;
        this.skipping = true;
      } else {
        this.buf = this.analyzer.growBuffer(this.buf, this.buf.length * 2);
      }
    }
    return this.buf.subarray(this.filled);
  }

  /** `count` bytes were written into space(); analyse the complete lines. */
  commit(count: number): void {
    this.current();
    this.bytesRead += count;
    let end = this.filled + count;
    if (this.skipping) {
      // filled is 0 here: the kept bytes were dropped when the line went over the cap.
      const newline = this.buf.subarray(0, end).indexOf(10);
      if (newline < 0) return;
      this.skipping = false;
      this.buf.copyWithin(0, newline + 1, end);
      end -= newline + 1;
      if (end === 0) return;
    }
    const lastNewline = this.buf.lastIndexOf(10, end - 1);
    if (lastNewline < this.filled) {
      this.filled = end;
      return;
    }
    this.lineNumber = this.analyzer.feed(this.buf, 0, lastNewline + 1, this.lineNumber);
    this.current().copyWithin(0, lastNewline + 1, end);
    this.filled = end - lastNewline - 1;
  }

  /** Copies a chunk in (streams). */
  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const space = this.space();
      const n = Math.min(space.length, chunk.length - offset);
      space.set(chunk.subarray(offset, offset + n));
      offset += n;
      this.commit(n);
    }
  }

  /** End of input: a last line without "\n" still counts. */
  finish(): void {
    if (this.filled > 0)
      this.lineNumber = this.analyzer.feed(this.current(), 0, this.filled, this.lineNumber);
    this.filled = 0;
    // The feeder may go on with another piece of a file (range.ts): nothing carries over.
    this.skipping = false;
  }

  /** Bytes of an unfinished line held back (follow mode waits for its newline). */
  get pending(): number {
    return this.filled;
  }
}

/**
 * The most a plain file's read asks for at once: the buffer is bigger (long lines), but a block
 * this size stays in the core's L2 cache from the kernel's copy to the scan; whole 1 MiB reads
 * took ~3% more CPU (the fastest of 12-14 runs over 300 MB, one thread).
 */
export const fileReadBytes = 256 << 10;

/** Analyses bytes [start, end) of a plain file, without a pause (a Worker's piece). */
export function feedFileRange(
  path: FilePath,
  start: number,
  end: number,
  feeder: LineFeeder,
  signal?: AbortSignal,
): void {
  const fd = openSync(path, "r");
  try {
    let position = start;
    while (position < end) {
      if (signal?.aborted) return;
      const n = readOnce(fd, feeder, position, end);
      if (n === 0) break;
      position += n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Bytes read between two turns of the event loop on the main thread: a run over a big file is
 * one long synchronous loop otherwise, and a Ctrl-C (its handler runs on the event loop) was seen
 * only after the whole file, or not at all when the run ended without ever awaiting.
 */
export const yieldEveryBytes = 16 << 20;

/**
 * feedFileRange on the main thread: every yieldEveryBytes it reports the position and lets the
 * event loop run; it stops on the signal.
 */
export async function feedFileRangeYielding(
  path: FilePath,
  start: number,
  end: number,
  feeder: LineFeeder,
  signal?: AbortSignal,
  onProgress?: (position: number) => void,
): Promise<void> {
  const fd = openSync(path, "r");
  try {
    let position = start;
    let sinceTurn = 0;
    while (position < end) {
      if (signal?.aborted) return;
      const n = readOnce(fd, feeder, position, end);
      if (n === 0) break;
      position += n;
      sinceTurn += n;
      if (sinceTurn >= yieldEveryBytes) {
        sinceTurn = 0;
        onProgress?.(position);
        await nextTurn();
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** One read at `position` into the feeder's free space (at most fileReadBytes); 0 at the end. */
function readOnce(fd: number, feeder: LineFeeder, position: number, end: number): number {
  const space = feeder.space();
  const want = Math.min(space.length, end - position, fileReadBytes);
  const n = readSync(fd, space, 0, want, position);
  if (n > 0) feeder.commit(n);
  return n;
}

/** Feeds a Node readable stream (stdin or a gunzip pipe) through the feeder. */
export async function feedStream(
  stream: AsyncIterable<Uint8Array>,
  feeder: LineFeeder,
  signal?: AbortSignal,
): Promise<void> {
  const chunks = stream[Symbol.asyncIterator]();
  let waiting = false;
  let ended = false;
  try {
    for (;;) {
      if (signal?.aborted) return;
      waiting = true;
      const next = await nextOrStop(chunks, signal);
      if (next === "stopped") return;
      waiting = false;
      if (next.done) {
        ended = true;
        return;
      }
      if (signal?.aborted) return;
      feeder.push(next.value);
    }
  } finally {
    // Left early (a stop, an error): the stream is ended as for-await would end it, closing a
    // file it opened; awaited, except while a read is still pending (it would wait for that).
    if (!ended) {
      const closing = chunks.return?.();
      if (waiting) void closing?.catch(() => {});
      else await closing;
    }
  }
}

/**
 * The next chunk, or "stopped" as soon as the signal aborts: a quiet stream (stdin, a pipe from
 * `ssh host tail -F`) may send nothing for hours, and a stop (SIGTERM from `timeout`, Ctrl-C)
 * must not wait for it. A promise and a listener per chunk, both let go after it: racing one
 * long-lived "stopped" promise kept every chunk reachable (1 GB of a .gz read: 1 GB of RSS).
 */
function nextOrStop(
  chunks: AsyncIterator<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<IteratorResult<Uint8Array> | "stopped"> {
  if (!signal) return chunks.next();
  return new Promise((resolve, reject) => {
    const stop = () => resolve("stopped");
    signal.addEventListener("abort", stop, { once: true });
    chunks.next().then(
      (next) => {
        signal.removeEventListener("abort", stop);
        resolve(next);
      },
      (error) => {
        signal.removeEventListener("abort", stop);
        reject(error);
      },
    );
  });
}

/** A file read front to back as a stream (named pipes, which have no size to read up to). */
export async function streamFile(path: FilePath): Promise<ReadStream> {
  if (typeof path === "string") return createReadStream(path, { highWaterMark: readBufferSize });
  // createReadStream takes only a text path: bytes are opened here, off this thread as the stream
  // opens a text path (a named pipe waits for its writer; a sync open would not hear Ctrl-C).
  const fd = await promisify(open)(path, "r");
  return createReadStream("", { fd, highWaterMark: readBufferSize });
}

/**
 * A .gz file decompressed as it is read. `.pipe()` passes neither a failed gunzip (a corrupt or
 * truncated .gz) nor a reader that stops (Ctrl-C, | head) back to the file, which stayed open
 * until exit: it is closed however the reading ends, and a read error of the file fails it.
 */
export async function gunzipFile(
  path: FilePath,
  onRead?: (compressedBytes: number) => void,
): Promise<AsyncIterable<Uint8Array>> {
  const file = await streamFile(path);
  // Progress counts the file's own (compressed) bytes: its size is what they add up to.
  if (onRead) file.on("data", () => onRead(file.bytesRead));
  const gunzip = file.pipe(createGunzip({ chunkSize: readBufferSize }));
  file.once("error", (error) => gunzip.destroy(error));
  return closingFile(gunzip, file);
}

/** Yields the stream's chunks; at the end, however it comes, `file` is closed before it returns. */
async function* closingFile(
  stream: AsyncIterable<Uint8Array>,
  file: ReadStream,
): AsyncGenerator<Uint8Array> {
  try {
    yield* stream;
  } finally {
    // Waited for: the next of hundreds of rotated .gz files is not opened beside it.
    if (!file.closed) await new Promise((resolve) => file.once("close", resolve).destroy());
  }
}

/** True when the file starts with the gzip magic bytes. */
export function isGzip(path: FilePath): boolean {
  const fd = openSync(path, "r");
  try {
    const head = new Uint8Array(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}
