/**
 * A small local file a check's target names (a pidfile, a PEM bundle): a regular file only, and
 * at most maxBytes of it. /probe's target comes from whoever reaches the port: /dev/zero used to
 * be read past the timeout until memory ran out, and a FIFO held a thread waiting for ever.
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";

/** Errors from open carry the path (ENOENT, EACCES); the others here do not: the caller names it. */
export async function readLocalFile(path: string, maxBytes: number): Promise<string> {
  // O_NONBLOCK: a FIFO opens without waiting for a writer, to be refused below.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error("not a regular file");
    // One byte more than allowed tells a file that grew past the cap since the stat.
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    await handle.close();
  }
}
