/** writeAllSync: every byte written, a full non-blocking fd waited on instead of retried at once. */
import { describe, expect, test } from "bun:test";
import { closeSync, constants, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { writeAllSync } from "../../lib/fs/write-all.ts";
import { tempDir } from "./tree.ts";

describe("writeAllSync", () => {
  test("a full non-blocking pipe: waits for room (no busy retry) and writes every byte", () => {
    const fifo = join(tempDir("write-all"), "pipe");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    // Read and write ends in one non-blocking fd: a write past the pipe's 64 KiB answers EAGAIN.
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const chunk = Buffer.alloc(1024 * 1024, "x");
    let received = 0;
    let waits = 0;
    const drain = () => {
      waits++;
      const buffer = Buffer.alloc(64 * 1024);
      received += readSync(fd, buffer, 0, buffer.length, null);
    };
    try {
      writeAllSync(fd, chunk, drain);
      while (received < chunk.length) drain();
    } finally {
      closeSync(fd);
    }
    expect(received).toBe(chunk.length);
    // Each EAGAIN went to the wait, where the reader made room.
    expect(waits).toBeGreaterThan(1);
  });
});
