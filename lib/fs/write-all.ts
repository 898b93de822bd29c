import { writeSync } from "node:fs";

const pause = new Int32Array(new SharedArrayBuffer(4));

/** A millisecond's sleep: a full pipe's reader needs time, and retrying at once spun a core. */
function waitForRoom(): void {
  Atomics.wait(pause, 0, 0, 1);
}

/**
 * Writes every byte: writeSync may write part (a full disk answers short before it answers
 * ENOSPC; a pipe takes what fits) and a non-blocking stdout answers EAGAIN when full, which
 * `onFull` waits out.
 */
export function writeAllSync(
  fd: number,
  chunk: string | Uint8Array,
  onFull: () => void = waitForRoom,
): void {
  const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      onFull();
    }
  }
}
