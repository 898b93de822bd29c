import type { ProbeStatus } from "./failure.ts";
import { foldHostNames } from "./host-range.ts";
import type { ProbeResult } from "./probe.ts";

/** Summary buckets, in the order they are printed. */
export const statusLabels: Record<ProbeStatus, string> = {
  ok: "ok",
  failed: "failed",
  unreachable: "unreachable",
  auth_failed: "auth failed",
  hostkey_mismatch: "host key mismatch",
  hostkey_unknown: "host key unknown",
  cancelled: "cancelled",
};

export type StatusCounts = Record<ProbeStatus, number>;

export function emptyCounts(): StatusCounts {
  return {
    ok: 0,
    failed: 0,
    unreachable: 0,
    auth_failed: 0,
    hostkey_mismatch: 0,
    hostkey_unknown: 0,
    cancelled: 0,
  };
}

/** "UNREACHABLE", "AUTH FAILED"... the word shown per host. */
export function statusWord(status: ProbeStatus): string {
  return statusLabels[status].toUpperCase();
}

/** Exit code: 4 if any host could not be reached or logged into, else 1 if a command failed, else 0. */
export function exitCodeFor(counts: StatusCounts): number {
  if (
    counts.unreachable + counts.auth_failed + counts.hostkey_mismatch + counts.hostkey_unknown >
    0
  )
    return 4;
  if (counts.failed > 0) return 1;
  return 0;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return "-";
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/** Ansible-style line for one host: "web01 | OK | rc=0 | 12.3 ms". */
export function hostLine(result: ProbeResult, withCommand: boolean): string {
  const parts = [result.name, statusWord(result.status)];
  if (withCommand && result.exitCode !== undefined)
    parts.push(`rc=${result.exitCode ?? result.signal ?? "?"}`);
  if (result.latencyMs !== undefined) parts.push(formatMs(result.latencyMs));
  if (result.error && result.status !== "failed") parts.push(result.error);
  else if (result.error && result.exitCode === undefined) parts.push(result.error);
  if (result.attempts > 1) parts.push(`after ${result.attempts} attempts`);
  if (result.hostKeyAdded) parts.push(`new host key added to ${result.hostKeyAdded}`);
  return parts.join(" | ");
}

export interface OutputGroup {
  hosts: string[];
  header: string;
  body: string;
}

/** dshbak -c: hosts whose output (and status) are identical, biggest group first. */
export function groupResults(results: readonly ProbeResult[]): OutputGroup[] {
  const groups = new Map<string, OutputGroup>();
  for (const result of results) {
    const body =
      result.exitCode !== undefined || hasPartialOutput(result)
        ? commandOutput(result)
        : result.status === "ok"
          ? ""
          : `${result.error ?? ""}\n`;
    const header =
      result.exitCode !== undefined
        ? `${statusWord(result.status)} rc=${result.exitCode ?? result.signal ?? "?"}`
        : statusWord(result.status);
    const key = `${header}\0${body}`;
    let group = groups.get(key);
    if (!group) {
      group = { hosts: [], header, body };
      groups.set(key, group);
    }
    group.hosts.push(result.name);
  }
  return [...groups.values()].sort((a, b) => b.hosts.length - a.hosts.length);
}

/**
 * A host's stdout and stderr as --group shows them, with --max-output's notice and the notice of
 * an unfinished command: the cut must show, and hosts that only differ past it must not pass for
 * identical.
 */
function commandOutput(result: ProbeResult): string {
  const text = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  const notices = outputNotices(result);
  if (notices.length === 0) return text;
  return `${text === "" || text.endsWith("\n") ? text : `${text}\n`}${notices.map((notice) => `${notice}\n`).join("")}`;
}

/** The lines that follow a host's output: it was cut (--max-output), it is incomplete. */
export function outputNotices(result: ProbeResult): string[] {
  return [
    ...(result.truncatedBytes ? [truncationNotice(result.truncatedBytes)] : []),
    ...(result.outputIncomplete
      ? [incompleteNotice(result.error ?? statusLabels[result.status])]
      : []),
  ];
}

/** The line that says output was cut. */
export function truncationNotice(bytes: number): string {
  return `[${bytes} more bytes not kept: --max-output]`;
}

/** The line that says the command did not finish, so its output may be cut short anywhere. */
export function incompleteNotice(reason: string): string {
  return `[output incomplete: ${reason}]`;
}

/**
 * An unfinished command that had printed something: shown like a finished one's output, with
 * the incomplete notice. One that had printed nothing keeps the plain failure line.
 */
export function hasPartialOutput(result: ProbeResult): boolean {
  return (
    result.outputIncomplete === true &&
    (Boolean(result.stdout) || Boolean(result.stderr) || Boolean(result.truncatedBytes))
  );
}

export function renderGroup(group: OutputGroup): string {
  const title = `${foldHostNames(group.hosts)} (${group.hosts.length} host${group.hosts.length === 1 ? "" : "s"}, ${group.header})`;
  const rule = "-".repeat(Math.min(78, Math.max(16, title.length)));
  const body = group.body === "" || group.body.endsWith("\n") ? group.body : `${group.body}\n`;
  return `${rule}\n${title}\n${rule}\n${body}`;
}

export function summaryLine(counts: StatusCounts, total: number, seconds: number): string {
  const parts = (Object.keys(statusLabels) as ProbeStatus[])
    .filter(
      (status) =>
        counts[status] > 0 ||
        ["ok", "failed", "unreachable", "auth_failed", "hostkey_mismatch"].includes(status),
    )
    .map((status) => `${counts[status]} ${statusLabels[status]}`);
  return `${total} host${total === 1 ? "" : "s"}: ${parts.join(", ")} in ${seconds.toFixed(2)} s`;
}
