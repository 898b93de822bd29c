/**
 * Ctrl-C in the middle of a big file: the compiled binary stops within a piece or a block
 * (not after the whole file, and never dropping the signal), exits 130 and reports what it
 * read, on one thread and on two. The lines read are the file's first ones: no line is cut into
 * a bad one and the bad lines keep their real numbers. The same big file shows progress on a
 * terminal while it is read.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledTool, run } from "../helpers/compiled.ts";
import type { JsonReport } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "nginxlog-stop-"));
const log = join(dir, "big.log");
const blockLines = 10_000;
const blocks = 240;
/** Line number (1-based) of the bad line closing block i. */
const badLineOf = (i: number) => (i + 1) * (blockLines + 1);

beforeAll(async () => {
  await compiledTool("nginxlog");
  // ~480 MB: 240 blocks of 10000 lines (2 MB), each closed by one bad line naming its block.
  const lines: string[] = [];
  for (let i = 0; i < blockLines; i++)
    lines.push(
      `10.1.${i % 200}.${i % 7} - - [01/Jan/2026:00:${String(i % 60).padStart(2, "0")}:00 +0000] "GET /p/${i % 500} HTTP/1.1" 200 ${i} "-" "curl/8.${i % 9}.0 (x86_64-pc-linux-gnu) libcurl/8 OpenSSL/3 zlib/1.2 brotli/1.0 zstd/1.5"\n`,
    );
  const block = lines.join("");
  const fd = openSync(log, "w");
  for (let i = 0; i < blocks; i++) writeSync(fd, `${block}garbage ${i}\n`);
  closeSync(fd);
}, 120_000);

/** Bytes the process has read so far (its own and its Workers' reads). */
function bytesReadBy(pid: number): number {
  const io = readFileSync(`/proc/${pid}/io`, "utf8");
  return Number(/^rchar: (\d+)/m.exec(io)?.[1] ?? 0);
}

async function stoppedRun(
  threads: string,
  minRange: string,
): Promise<{ code: number; report: JsonReport; stderr: string; state: string; html: string }> {
  const bin = await compiledTool("nginxlog");
  const state = join(dir, `stopped-${threads}-${minRange}.state`);
  const html = join(dir, `stopped-${threads}-${minRange}.html`);
  const proc = Bun.spawn(
    [
      bin,
      log,
      "--json",
      "--threads",
      threads,
      "--min-range",
      minRange,
      "--show-bad",
      "300",
      "--state",
      state,
      "--html",
      html,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  // Stopped once it has read about 60 MB of the 480.
  while (bytesReadBy(proc.pid) < 60e6) await Bun.sleep(2);
  proc.kill("SIGINT");
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  expect(stderr).toContain("received SIGINT, stopping cleanly");
  return { code, report: JSON.parse(stdout) as JsonReport, stderr, state, html };
}

describe("nginxlog stopped by SIGINT mid-file", () => {
  // One thread reading blocks; two threads taking pieces; and the pieces of a file too small
  // for two threads (--min-range), read by one.
  for (const [threads, minRange] of [
    ["1", "64M"],
    ["2", "64M"],
    ["2", "512M"],
  ] as const)
    test(`--threads ${threads} --min-range ${minRange}: exits 130 soon after, with the first lines' report`, async () => {
      const { code, report, stderr, state, html } = await stoppedRun(threads, minRange);
      expect(code).toBe(130);
      // Said in the report, and no --state that would merge as the whole file's counts.
      expect(report.overview.stopped).toBe("SIGINT");
      expect(readFileSync(html, "utf8")).toContain("Stopped by SIGINT before the end");
      expect(existsSync(state)).toBe(false);
      expect(stderr).toContain(`--state ${state}: not written: the run was stopped (SIGINT)`);
      const total = blocks * (blockLines + 1);
      // Well before the end (it read ~60 MB when told), and not nothing.
      expect(report.overview.lines).toBeGreaterThan(0);
      expect(report.overview.lines).toBeLessThan(total / 2);
      // Every bad line is a "garbage" line at its real number: no good line was cut in two,
      // and the lines read are the file's first ones (every block before the last one read).
      const bad = report.badExamples.map((b) => [b.line, b.text]);
      expect(bad.length).toBe(report.overview.badLines);
      expect(bad).toEqual(bad.map((_, i) => [badLineOf(i), `garbage ${i}`]));
      expect(report.overview.requests).toBe(report.overview.lines - bad.length);
    }, 60_000);
});

describe("nginxlog progress on a terminal", () => {
  test("a big file shows how much of it is read: one thread, two, and a .gz", async () => {
    const bin = await compiledTool("nginxlog");
    // The .gz: the file's blocks, each a gzip member of its own (one file, read as one stream).
    const gz = `${log}.gz`;
    const member = Bun.gzipSync(readFileSync(log).subarray(0, 1 << 20), { level: 1 });
    const gzFd = openSync(gz, "w");
    for (let i = 0; i < 300; i++) writeSync(gzFd, member);
    closeSync(gzFd);
    for (const [file, threads] of [
      [log, "1"],
      [log, "2"],
      [gz, "2"],
    ] as const) {
      // Under `script`, stderr is a terminal (the report itself goes to /dev/null).
      const command = `'${bin}' '${file}' --json --threads ${threads} > /dev/null`;
      const result = await run(["script", "-qec", command, "/dev/null"], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent", TERM: "dumb" },
      });
      expect(result.exitCode).toBe(0);
      const size = (Bun.file(file).size / 2 ** 20).toFixed(1);
      const shown = [...result.stdout.matchAll(/\[K(\d+)% {2}([\d.]+) MiB of ([\d.]+) MiB {2}\S/g)];
      expect(shown.length).toBeGreaterThan(0);
      for (const [, percent, done, of] of shown) {
        expect(of).toBe(size);
        expect(Number(done)).toBeLessThanOrEqual(Number(of));
        expect(Number(percent)).toBeLessThanOrEqual(100);
      }
    }
  }, 60_000);
});
