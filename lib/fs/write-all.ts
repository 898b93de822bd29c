import { writeSync } from "node:fs";

/**
 * Writes every byte: writeSync may write part (a full disk answers short before it answers
 * ENOSPC; a pipe takes what fits) and a non-blocking stdout answers EAGAIN when full.
 */
export function writeAllSync(fd: number, chunk: string | Uint8Array): void {
  const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") continue;
      throw error;
    }
  }
}
