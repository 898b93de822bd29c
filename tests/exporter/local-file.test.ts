/**
 * Targets that name a local file (a process check's pidfile, a cert check's PEM): /probe takes
 * them from whoever reaches the port, so a device, a FIFO or a huge file must not be read.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { check } from "./helpers.ts";
import { scratchDir } from "./scratch.ts";

function fifo(): string {
  const path = join(scratchDir("exporter-fifo"), "pipe");
  Bun.spawnSync(["mkfifo", path]);
  return path;
}

describe("a file target that is not a small regular file is refused, not read", () => {
  test("process pidfile: /dev/zero, a FIFO, a file of more than 4 KiB", async () => {
    const zero = await check("process", "/dev/zero", {}, "1s");
    expect(zero.error).toBe("pidfile /dev/zero: not a regular file");
    const pipe = fifo();
    const fromFifo = await check("process", pipe, {}, "1s");
    expect(fromFifo.error).toBe(`pidfile ${pipe}: not a regular file`);
    const big = join(scratchDir("exporter-bigpid"), "big.pid");
    writeFileSync(big, `${process.pid}\n${" ".repeat(5000)}`);
    const fromBig = await check("process", big, {}, "1s");
    expect(fromBig.error).toBe(`pidfile ${big}: larger than 4096 bytes`);
  });

  test("cert PEM file: /dev/zero and a FIFO", async () => {
    const zero = await check("cert", "/dev/zero", {}, "1s");
    expect(zero.error).toBe("/dev/zero: not a regular file");
    const pipe = fifo();
    const fromFifo = await check("cert", pipe, {}, "1s");
    expect(fromFifo.error).toBe(`${pipe}: not a regular file`);
  });

  test("a missing file still says what open said", async () => {
    const missing = await check("cert", "/nonexistent/opsctl.pem", {}, "1s");
    expect(missing.error).toContain("ENOENT");
    expect(missing.error).toContain("/nonexistent/opsctl.pem");
  });
});
