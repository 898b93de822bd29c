/** Shared by the nginxlog tests: run the compiled binary, read tables from its --json report. */
import { compiledTool, type RunResult, run } from "../helpers/compiled.ts";

export interface JsonReport {
  overview: Record<string, unknown> & {
    requests: number;
    lines: number;
    badLines: number;
    bytes: number;
  };
  tables: { name: string; columns: string[]; rows: (string | number | null)[][] }[];
  badExamples: { source: string; line: number; text: string; reason: string }[];
}

/** Builds the binary once per test process (call from beforeAll with a long timeout). */
export async function compileOnce(): Promise<void> {
  await compiledTool("nginxlog");
}

export async function nginxlog(
  args: string[],
  options: { cwd?: string; stdin?: string } = {},
): Promise<RunResult> {
  const bin = await compiledTool("nginxlog");
  return run([bin, ...args], { ...options, env: { ...process.env, NO_COLOR: "1" } });
}

/** Runs with --json and parses the report; fails the test with stderr if it did not exit 0. */
export async function report(
  args: string[],
  options: { cwd?: string; stdin?: string } = {},
): Promise<JsonReport> {
  const result = await nginxlog([...args, "--json"], options);
  if (result.exitCode !== 0)
    throw new Error(`nginxlog exited ${result.exitCode}: ${result.stderr}`);
  return JSON.parse(result.stdout) as JsonReport;
}

export function table(report: JsonReport, name: string): Record<string, string | number | null>[] {
  const found = report.tables.find((t) => t.name === name);
  if (!found)
    throw new Error(`no table ${name} in report (${report.tables.map((t) => t.name).join(", ")})`);
  return found.rows.map((row) =>
    Object.fromEntries(found.columns.map((c, i) => [c, row[i] ?? null])),
  );
}

/** { key: requests } of a table whose first column is the key. */
export function counts(report: JsonReport, name: string): Record<string, number> {
  const found = report.tables.find((t) => t.name === name);
  if (!found) throw new Error(`no table ${name}`);
  return Object.fromEntries(found.rows.map((row) => [String(row[0]), Number(row[1])]));
}

/** The value at rank floor(q * (n - 1)) of the sorted values: what the sketch approximates. */
export function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

export function tally<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const item of items) result[key(item)] = (result[key(item)] ?? 0) + 1;
  return result;
}

/** A small seeded generator (mulberry32): the same lines on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * Lines of the `timed` preset (combined + $request_time $upstream_response_time), seeded: many
 * unique paths, lists and "-" upstream times, 1xx-5xx, three zones, escaped quotes and bytes.
 */
export function timedLines(count: number, seed: number): string[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const ip = `10.${Math.floor(next() * 4)}.${Math.floor(next() * 50)}.${Math.floor(next() * 250)}`;
    const day = String(1 + Math.floor(next() * 28)).padStart(2, "0");
    const time = `${day}/${pick(months)}/2026:${String(Math.floor(next() * 24)).padStart(2, "0")}:${String(Math.floor(next() * 60)).padStart(2, "0")}:07 ${pick(["+0000", "-0700", "+0530"])}`;
    const path =
      next() < 0.4
        ? `/item/${Math.floor(next() * 1e6)}?ref=${i}`
        : `/page/${Math.floor(next() * 300)}`;
    const request = pick([
      `GET ${path} HTTP/1.1`,
      `POST ${path} HTTP/2.0`,
      `HEAD ${path}`,
      "-",
      `PROPFIND ${path} HTTP/1.0`,
    ]);
    const status = pick(["200", "200", "304", "404", "500", "502", "101"]);
    const upstream = pick(["0.004", "-", "0.002, 0.010 : 0.004", "12.5", "0.000", "1.2345678"]);
    lines.push(
      `${ip} - - [${time}] "${request}" ${status} ${Math.floor(next() * 90000)} "${pick(["-", "https://example.com/?q=\\x22x\\x22"])}" "${pick(["curl/8.5", 'Mozilla/5.0 (X11; Linux) \\"quoted\\" caf\\xC3\\xA9', ""])}" ${(next() * 3).toFixed(3)} ${upstream}`,
    );
  }
  return lines;
}
