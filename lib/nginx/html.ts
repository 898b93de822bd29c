/**
 * A self-contained HTML report: one file, inline CSS and SVG charts drawn here (no script, no
 * network). Elements carry data-* attributes so a browser test can check the numbers.
 */
import { type Cell, quantileNames, type Report, type Table, tableByName } from "./report.ts";

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

const fmt = (cell: Cell) =>
  cell === null ? "–" : typeof cell === "number" ? cell.toLocaleString("en-US") : cell;

function tableHtml(table: Table): string {
  const head = table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = table.rows
    .map(
      (row) =>
        `<tr>${row
          .map(
            (cell) =>
              `<td${typeof cell === "number" ? ' class="num"' : ""}>${escapeHtml(String(fmt(cell)))}</td>`,
          )
          .join("")}</tr>`,
    )
    .join("\n");
  return `<section class="table" data-table="${table.name}"><h2>${escapeHtml(table.title)}</h2>
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>${table.note ? `<p class="note">${escapeHtml(table.note)}</p>` : ""}</section>`;
}

const width = 900;
const height = 220;
const pad = { left: 60, right: 10, top: 10, bottom: 30 };
const classColors = ["#999", "#2e7d32", "#1565c0", "#ef6c00", "#c62828"];

function axisLabels(maxValue: number, unit: string): string {
  const lines: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const value = (maxValue * i) / 4;
    const y = height - pad.bottom - ((height - pad.top - pad.bottom) * i) / 4;
    lines.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${pad.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${Number(value.toPrecision(3))}${unit}</text>`,
    );
  }
  return lines.join("");
}

/** The largest of values and floor, in a loop: Math.max(...values) throws past ~10^5-10^6 values. */
function largest(values: number[], floor: number): number {
  let max = floor;
  for (const value of values) if (value > max) max = value;
  return max;
}

/** Stacked bars of requests per status class for each time bucket. */
function requestsChart(timeline: Table): string {
  const rows = timeline.rows;
  const totals = rows.map((r) => Number(r[1] ?? 0));
  const maxTotal = largest(totals, 1);
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const barWidth = plotWidth / Math.max(1, rows.length);
  const bars: string[] = [];
  rows.forEach((row, i) => {
    let y = height - pad.bottom;
    for (let c = 0; c < 5; c++) {
      const count = Number(row[3 + c] ?? 0);
      if (count === 0) continue;
      const h = (count / maxTotal) * plotHeight;
      y -= h;
      bars.push(
        `<rect class="bar" data-time="${row[0]}" data-class="${c + 1}xx" data-count="${count}" x="${(pad.left + i * barWidth).toFixed(2)}" y="${y.toFixed(2)}" width="${Math.max(0.5, barWidth - 1).toFixed(2)}" height="${h.toFixed(2)}" fill="${classColors[c]}"><title>${row[0]} ${c + 1}xx: ${count}</title></rect>`,
      );
    }
  });
  const first = rows[0]?.[0] ?? "";
  const last = rows[rows.length - 1]?.[0] ?? "";
  return `<svg class="chart" data-chart="requests" data-total="${totals.reduce((a, b) => a + b, 0)}" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="Requests over time">
${axisLabels(maxTotal, "")}${bars.join("\n")}
<text x="${pad.left}" y="${height - 8}" font-size="11">${escapeHtml(String(first))}</text><text x="${width - pad.right}" y="${height - 8}" font-size="11" text-anchor="end">${escapeHtml(String(last))}</text></svg>`;
}

/** p50 and p99 of $request_time per bucket as two polylines. */
function latencyChart(timeline: Table): string {
  const rows = timeline.rows.filter((r) => r[8] !== null && r[9] !== null);
  const maxValue = largest(
    rows.map((r) => Number(r[9])),
    0.001,
  );
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const x = (i: number) =>
    pad.left + (rows.length <= 1 ? plotWidth / 2 : (i * plotWidth) / (rows.length - 1));
  const y = (v: number) => height - pad.bottom - (v / maxValue) * plotHeight;
  const line = (column: number, color: string, name: string) =>
    `<polyline class="series" data-series="${name}" data-points="${rows.length}" fill="none" stroke="${color}" stroke-width="1.5" points="${rows
      .map((r, i) => `${x(i).toFixed(1)},${y(Number(r[column])).toFixed(1)}`)
      .join(" ")}"/>`;
  return `<svg class="chart" data-chart="latency" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="Request time over time">
${axisLabels(maxValue, "s")}${line(8, "#1565c0", "p50")}${line(9, "#c62828", "p99")}
<text x="${width - pad.right}" y="${pad.top + 12}" text-anchor="end" font-size="11"><tspan fill="#1565c0">p50</tspan> <tspan fill="#c62828">p99</tspan></text></svg>`;
}

/** Horizontal bars: share of each status class. */
function statusChart(classes: Table): string {
  const rows = classes.rows.filter((r) => Number(r[1]) > 0);
  const total = Math.max(
    1,
    rows.reduce((sum, r) => sum + Number(r[1]), 0),
  );
  const barHeight = 24;
  const bars = rows
    .map((r, i) => {
      const count = Number(r[1]);
      const w = ((width - 200) * count) / total;
      const cls = String(r[0]);
      return `<g class="status-bar" data-class="${cls}" data-count="${count}"><text x="0" y="${i * (barHeight + 6) + 17}" font-size="13">${cls}</text><rect x="50" y="${i * (barHeight + 6)}" width="${w.toFixed(1)}" height="${barHeight}" fill="${classColors[Number(cls[0]) - 1] ?? "#999"}"/><text x="${(56 + w).toFixed(1)}" y="${i * (barHeight + 6) + 17}" font-size="12">${count.toLocaleString("en-US")} (${r[2]}%)</text></g>`;
    })
    .join("\n");
  return `<svg class="chart" data-chart="status" viewBox="0 0 ${width} ${Math.max(1, rows.length) * (barHeight + 6)}" width="100%" role="img" aria-label="Status mix">${bars}</svg>`;
}

export function renderHtml(report: Report, title = "nginx access log report"): string {
  const o = report.overview;
  const timeline = tableByName(report, "timeline");
  const classes = tableByName(report, "status-classes");
  const cards: [string, string, string | number][] = [
    ["requests", "Requests", o.requests],
    ["bytes", "Bytes sent", o.bytes],
    ["distinct-ips", "Distinct IPs (≈)", o.distinctIps],
    ["distinct-paths", "Distinct paths (≈)", o.distinctPaths],
    ["bad-lines", "Bad lines", o.badLines],
    ["filtered", "Filtered out", o.filteredOut],
  ];
  const charts = [
    timeline && timeline.rows.length > 0
      ? `<h2>Requests over time (per ${o.bucketSeconds}s, by status class)</h2>${requestsChart(timeline)}`
      : "",
    timeline?.rows.some((r) => r[8] !== null)
      ? `<h2>$request_time over time (${quantileNames[0]}, ${quantileNames[3]})</h2>${latencyChart(timeline)}`
      : "",
    classes ? `<h2>Status mix</h2>${statusChart(classes)}` : "",
  ].join("\n");
  const tables = report.tables
    .filter((t) => t.name !== "timeline")
    .map(tableHtml)
    .join("\n");
  const bad = report.badExamples.length
    ? `<section data-table="bad-lines"><h2>Bad lines (first ${report.badExamples.length})</h2><ul>${report.badExamples
        .map(
          (b) =>
            `<li><code>${escapeHtml(b.source)}:${b.line}</code> ${escapeHtml(b.reason)}: <code>${escapeHtml(b.text)}</code></li>`,
        )
        .join("")}</ul></section>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:140px}
.card .value{font-size:20px;font-weight:600}.card .label{color:#666;font-size:12px}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #eee;padding:3px 8px;text-align:left;vertical-align:top;word-break:break-all}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;word-break:normal}
.note{color:#666;font-size:12px}.chart{border:1px solid #eee;margin-top:6px}
.stopped{color:#a33;font-weight:bold}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="note">${escapeHtml(o.sources.join(", "))} · ${escapeHtml(o.firstTime ?? "")} – ${escapeHtml(o.lastTime ?? "")}</p>${o.stopped ? `\n<p class="stopped">Stopped by ${escapeHtml(o.stopped)} before the end: these counts cover what was read.</p>` : ""}
<div class="cards">${cards
    .map(
      ([id, label, value]) =>
        `<div class="card" data-card="${id}" data-value="${value}"><div class="value">${escapeHtml(String(fmt(value)))}</div><div class="label">${escapeHtml(label)}</div></div>`,
    )
    .join("")}</div>
${charts}
${tables}
${bad}
</body></html>
`;
}
