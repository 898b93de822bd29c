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
