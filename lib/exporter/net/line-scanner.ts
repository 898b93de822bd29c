/**
 * A socket read line by line as Go's bufio.Scanner with ScanLines reads it (blackbox_exporter's
 * query_response): lines end at "\n", one "\r" before it is dropped, a last line without "\n" is
 * still a line when the stream ends, and a line that does not fit the scanner's 64 KiB buffer is
 * an error ("token too long"). expect_bytes takes raw bytes from the same stream.
 */
import type { Socket } from "node:net";
import { abortable } from "./dial.ts";

/** bufio.MaxScanTokenSize: a line and its "\n" must fit in it. */
export const maxLineBytes = 64 * 1024;

const empty = Buffer.alloc(0);

function dropCR(line: Buffer): Buffer {
  return line.at(-1) === 0x0d ? line.subarray(0, -1) : line;
}

export class LineScanner {
  private buffered: Buffer = empty;
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  /** Scanner.Err(): the read error, once the lines before it have been read; not the end. */
  error: Error | undefined;

  private readonly onData = (chunk: Buffer) => {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    // Go reads no further than its buffer: what is not needed yet waits in the socket.
    if (this.buffered.length >= maxLineBytes) this.socket.pause();
    this.wake?.();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake?.();
  };
  private readonly onError = (error: Error) => {
    this.failure ??= error;
    this.onEnd();
  };

  constructor(readonly socket: Socket) {
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
    socket.on("error", this.onError);
  }

  /** The next line without its "\r\n", or undefined when the stream has ended or failed. */
  async next(signal: AbortSignal): Promise<Buffer | undefined> {
    for (;;) {
      const newline = this.buffered.subarray(0, maxLineBytes).indexOf(0x0a);
      if (newline >= 0) {
        const line = this.buffered.subarray(0, newline);
        this.buffered = this.buffered.subarray(newline + 1);
        return dropCR(line);
      }
      if (this.buffered.length >= maxLineBytes) {
        this.error = new Error("a line of 64 KiB or more (bufio.Scanner: token too long)");
        return undefined;
      }
      if (this.ended) {
        // The last line is read even when a read error ended the stream; the error follows it.
        this.error = this.failure;
        if (this.buffered.length === 0) return undefined;
        const line = this.buffered;
        this.buffered = empty;
        return dropCR(line);
      }
      await this.more(signal);
    }
  }

  /**
   * The next `count` bytes of the stream, lines or not (tcp expect_bytes), starting with what was
   * read and not yet scanned; fewer only when the stream ends first (then `error` is its error).
   */
  async take(count: number, signal: AbortSignal): Promise<Buffer> {
    while (this.buffered.length < count && !this.ended) await this.more(signal);
    if (this.buffered.length < count) this.error = this.failure;
    const taken = this.buffered.subarray(0, count);
    this.buffered = this.buffered.subarray(taken.length);
    return taken;
  }

  private async more(signal: AbortSignal): Promise<void> {
    this.socket.resume();
    await abortable(
      new Promise<void>((resolve) => {
        this.wake = resolve;
      }),
      signal,
    );
    this.wake = undefined;
  }

  /** Lets go of the socket (STARTTLS takes it over); what was read and not scanned is dropped. */
  detach(): void {
    this.socket.off("data", this.onData);
    this.socket.off("end", this.onEnd);
    this.socket.off("close", this.onEnd);
    this.socket.off("error", this.onError);
    this.buffered = empty;
  }
}
