/** One probed host on stdout: an NDJSON record under --json, else a (coloured) line and its output. */
import type { Output } from "../../cli/output.ts";
import type { ProbeResult } from "../probe.ts";
import { hasPartialOutput, hostLine, outputNotices } from "../report.ts";

export function hostRecord(result: ProbeResult): Record<string, unknown> {
  return {
    type: "host",
    host: result.name,
    address: result.host,
    port: result.port,
    user: result.user,
    status: result.status,
    latency_ms: result.latencyMs ?? null,
    connect_ms: result.connectMs ?? null,
    ...(result.commandMs !== undefined ? { command_ms: result.commandMs } : {}),
    ...(result.exitCode !== undefined ? { exit_code: result.exitCode } : {}),
    ...(result.signal ? { signal: result.signal } : {}),
    ...(result.stdout !== undefined ? { stdout: result.stdout, stderr: result.stderr ?? "" } : {}),
    ...(result.truncatedBytes ? { truncated_bytes: result.truncatedBytes } : {}),
    ...(result.outputIncomplete ? { output_incomplete: true } : {}),
    error: result.error ?? null,
    ...(result.phase ? { phase: result.phase } : {}),
    attempts: result.attempts,
    ...(result.hostKeyAdded ? { host_key_added: result.hostKeyAdded } : {}),
    ...(result.serverVersion ? { server_version: result.serverVersion } : {}),
  };
}

/**
 * The host's line; with --run and an exit code, followed by its stdout and stderr. So is a
 * command that did not finish but had printed something, then marked incomplete.
 */
export function printHost(out: Output, result: ProbeResult, command: boolean): void {
  const line = hostLine(result, command);
  const styled =
    result.status === "ok" ? line : out.style(line, result.status === "failed" ? "yellow" : "red");
  if (!command || (result.exitCode === undefined && !hasPartialOutput(result))) {
    out.line(styled);
    return;
  }
  out.line(`${styled} >>`);
  const text = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (text) out.raw(text.endsWith("\n") ? text : `${text}\n`);
  for (const notice of outputNotices(result)) out.line(notice);
}
