/** The end of a sshping run on stdout: --group's blocks, then the summary (a record under --json). */
import type { Output } from "../../cli/output.ts";
import { groupResults, renderGroup, summaryLine } from "../report.ts";
import type { ProbeOutcome } from "./probe-hosts.ts";

export function printSummary(
  outcome: ProbeOutcome,
  hosts: number,
  group: boolean,
  out: Output,
): void {
  if (group && !out.json)
    for (const block of groupResults(outcome.kept)) out.raw(renderGroup(block));
  if (out.json) {
    out.record({
      type: "summary",
      hosts,
      ...outcome.counts,
      seconds: round(outcome.seconds),
      not_ok: outcome.notOk,
    });
  } else {
    out.line(summaryLine(outcome.counts, hosts, outcome.seconds));
    if (outcome.notOk.length > 0) out.line(`not ok: ${outcome.notOk.join(" ")}`);
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
