/** Shared bits of the exporter tests: a quiet logger and one-check runs through the real engine. */
import { Logger } from "../../lib/cli/log.ts";
import { parseExporterConfig } from "../../lib/exporter/config.ts";
import { runCheck } from "../../lib/exporter/run-check.ts";
import type { CheckResult, CheckSpec } from "../../lib/exporter/types.ts";

export const quietLog = new Logger({
  tool: "exporter",
  level: "error",
  format: "json",
  color: false,
  write: () => {},
});

export function checkSpec(
  kind: string,
  target: string,
  settings: Record<string, unknown> = {},
  timeout = "5s",
): CheckSpec {
  const config = parseExporterConfig(
    { checks: [{ name: "t", kind, target, timeout, interval: "1m", [kind]: settings }] },
    "test",
    { interval: 60, timeout: 10 },
  );
  return config.checks[0] as CheckSpec;
}

/** The message parsing a check's settings is refused with, or "" when they are accepted. */
export function refusal(kind: string, target: string, settings: Record<string, unknown>): string {
  try {
    checkSpec(kind, target, settings);
  } catch (error) {
    return (error as Error).message;
  }
  return "";
}

export function check(
  kind: string,
  target: string,
  settings: Record<string, unknown> = {},
  timeout = "5s",
): Promise<CheckResult> {
  return runCheck(checkSpec(kind, target, settings, timeout), target, { log: quietLog });
}

/** The value of a detail metric (first sample matching the labels). */
export function detail(
  result: CheckResult,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return result.details.find(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v),
  )?.value;
}

/** `promtool check metrics` on an exposition: returns promtool's complaints ("" when clean). */
export async function promtoolProblems(exposition: string): Promise<string> {
  const proc = Bun.spawn(["promtool", "check", "metrics"], {
    stdin: new Blob([exposition]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return code === 0 ? "" : `${out}${err}`.trim() || `promtool exited ${code}`;
}

/** Processes whose command line contains the marker (to prove nothing was left running). */
export function processesWith(marker: string): string[] {
  const out = Bun.spawnSync(["ps", "-eo", "pid,stat,args"]).stdout.toString();
  return out
    .split("\n")
    .filter(
      (line) => line.includes(marker) && !/\sZ/.test(line.split(/\s+/).slice(0, 3).join(" ")),
    );
}
