/** The human report on stdout: overview, then each table (top rows) with its error note. */
import type { Output } from "../cli/output.ts";
import { humanBytes, type Report } from "./report.ts";

export function printReport(out: Output, report: Report, showBad: number): void {
  const o = report.overview;
  const bold = (text: string) => out.style(text, "bold");
  out.line(bold("nginx access log report"));
  out.line(`  sources        ${o.sources.length ? o.sources.join(", ") : "(none)"}`);
  if (o.stopped)
    out.line(`  stopped        by ${o.stopped} before the end: these counts cover what was read`);
  out.line(`  time range     ${o.firstTime ?? "-"} .. ${o.lastTime ?? "-"}`);
  out.line(`  lines          ${o.lines}  (bad ${o.badLines}, filtered out ${o.filteredOut})`);
  out.line(`  requests       ${o.requests}`);
  out.line(`  bytes sent     ${o.bytes} (${humanBytes(o.bytes)})`);
  out.line(
    `  distinct IPs   ~${o.distinctIps}   distinct paths ~${o.distinctPaths}   (HyperLogLog, ±${(report.guarantees.distinctStandardError * 100).toFixed(2)}% std error)`,
  );
  for (const table of report.tables) {
    if (table.name === "timeline" || table.rows.length === 0) continue;
    out.line("");
    out.line(bold(table.title));
    out.table(
      table.rows,
      table.columns.map((header, i) => ({
        header,
        value: (row: (string | number | null)[]) =>
          row[i] === null || row[i] === undefined ? "-" : String(row[i]),
        align: i === 0 ? ("left" as const) : ("right" as const),
      })),
    );
    if (table.note) out.line(out.style(`  ${table.note}`, "dim"));
  }
  if (showBad > 0 && report.badExamples.length > 0) {
    out.line("");
    out.line(
      bold(`Bad lines (first ${Math.min(showBad, report.badExamples.length)} of ${o.badLines})`),
    );
    for (const bad of report.badExamples.slice(0, showBad))
      out.line(`  ${bad.source}:${bad.line}: ${bad.reason}: ${bad.text}`);
  }
}
