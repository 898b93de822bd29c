/**
 * Whole-process measurements shared by the benches: wall time from hyperfine (warm-up, several
 * runs, median) and peak RSS from GNU time, written as Markdown sections of bench/RESULTS.md.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

export interface Measurement {
  name: string;
  command: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  peakRssMb: number;
}

/** Median wall time over `runs` runs (after warm-ups) and the median peak RSS of 3 runs. */
export function measure(name: string, command: string, runs = 20, warmup = 3): Measurement {
  const jsonPath = `/tmp/opsctl-hyperfine-${process.pid}.json`;
  const hyperfine = Bun.spawnSync(
    [
      "hyperfine",
      "--style",
      "none",
      "-N",
      "--warmup",
      String(warmup),
      "--runs",
      String(runs),
      "--export-json",
      jsonPath,
      command,
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  if (!hyperfine.success) throw new Error(`hyperfine ${command}: ${hyperfine.stderr.toString()}`);
  const result = JSON.parse(readFileSync(jsonPath, "utf8")).results[0] as {
    median: number;
    min: number;
    max: number;
  };
  const rss = [0, 1, 2].map(() => peakRssKb(command)).sort((a, b) => a - b)[1] ?? 0;
  return {
    name,
    command,
    medianMs: result.median * 1000,
    minMs: result.min * 1000,
    maxMs: result.max * 1000,
    peakRssMb: rss / 1024,
  };
}

/** GNU time's maximum resident set size of the command (and its waited-for children). */
export function peakRssKb(command: string): number {
  const proc = Bun.spawnSync(
    ["/usr/bin/time", "-f", "%M", "sh", "-c", `exec ${command} >/dev/null 2>&1`],
    { stderr: "pipe" },
  );
  const lines = proc.stderr.toString().trim().split("\n");
  return Number(lines.at(-1));
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${new Date().toISOString().slice(0, 10)}`;
}

/** Replaces (or appends) the section between <!-- bench:NAME --> markers in bench/RESULTS.md. */
export function writeSection(name: string, markdown: string): void {
  const path = join(import.meta.dir, "..", "RESULTS.md");
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const current = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmark results\n";
  const start = current.indexOf(begin);
  const stop = current.indexOf(end);
  const next =
    start >= 0 && stop > start
      ? current.slice(0, start) + block + current.slice(stop + end.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
}

/** The middle value (the mean of the two middle ones for an even count); 0 for none. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}
