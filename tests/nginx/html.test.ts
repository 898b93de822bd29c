/**
 * The --html report opened in headless Chromium (Debian chromium via playwright-core) with all
 * network blocked: charts and tables must render, with the numbers of the analysed log.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { renderHtml } from "../../lib/nginx/html.ts";
import type { Report } from "../../lib/nginx/report.ts";
import { tempDir } from "../env/service.ts";
import { compileOnce, nginxlog } from "./helpers.ts";

// Compiling the binary can take a while on a busy machine: not inside a test's 5 s.
beforeAll(compileOnce, 180_000);

const dir = tempDir("nginxlog-html");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("HTML report renders charts and tables with the right numbers, offline", async () => {
  // 3 minutes of traffic: 120 requests in minute 0, 60 in minute 1, 30 in minute 2.
  const statusOf = (i: number) => (i % 10 === 0 ? 500 : i % 5 === 0 ? 404 : 200);
  let log = "";
  let n = 0;
  for (const [minute, count] of [
    [0, 120],
    [1, 60],
    [2, 30],
  ] as const) {
    for (let i = 0; i < count; i++, n++) {
      const second = String(i % 60).padStart(2, "0");
      const ms = String(((n * 37) % 900) + 10).padStart(3, "0");
      log += `10.2.0.${n % 9} - - [26/Nov/2026:09:0${minute}:${second} +0000] "GET /h/${n % 4} HTTP/1.1" ${statusOf(n)} 10 "-" "ua<script>" 0.${ms} 0.${ms}\n`;
    }
  }
  const logPath = join(dir, "access.log");
  writeFileSync(logPath, log);
  const htmlPath = join(dir, "report.html");
  const result = await nginxlog([
    logPath,
    "--format",
    "timed",
    "--bucket",
    "1m",
    "--html",
    htmlPath,
  ]);
  expect(result.exitCode).toBe(0);

  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ],
  });
  try {
    const page = await browser.newPage();
    const requested: string[] = [];
    await page.route("**/*", (route) => {
      requested.push(route.request().url());
      return route.request().url().startsWith("file://") ? route.continue() : route.abort();
    });
    await page.goto(`file://${htmlPath}`);
    expect(requested.filter((url) => !url.startsWith("file://"))).toEqual([]);

    expect(await page.locator('[data-card="requests"]').getAttribute("data-value")).toBe("210");
    // Requests chart: one stacked bar per (minute, class), summing to the bucket totals.
    const bars = await page.locator('svg[data-chart="requests"] rect.bar').evaluateAll((nodes) =>
      nodes.map((node) => ({
        time: node.getAttribute("data-time"),
        count: Number(node.getAttribute("data-count")),
        height: (node as unknown as { getBBox(): { height: number } }).getBBox().height,
      })),
    );
    const perMinute: Record<string, number> = {};
    for (const bar of bars)
      perMinute[bar.time ?? ""] = (perMinute[bar.time ?? ""] ?? 0) + bar.count;
    expect(Object.values(perMinute)).toEqual([120, 60, 30]);
    expect(bars.every((bar) => bar.height > 0)).toBe(true);
    const chartBox = await page.locator('svg[data-chart="requests"]').boundingBox();
    expect(chartBox?.width ?? 0).toBeGreaterThan(300);
    // Latency chart: a p50 and a p99 line through the three buckets.
    expect(
      await page
        .locator('svg[data-chart="latency"] polyline[data-series="p99"]')
        .getAttribute("data-points"),
    ).toBe("3");
    // Status mix.
    const status = await page
      .locator('svg[data-chart="status"] g.status-bar')
      .evaluateAll((nodes) =>
        Object.fromEntries(
          nodes.map((node) => [
            node.getAttribute("data-class"),
            Number(node.getAttribute("data-count")),
          ]),
        ),
      );
    expect(status).toEqual({ "2xx": 168, "4xx": 21, "5xx": 21 });
    // Tables: status codes and top paths with the exact counts; hostile text stays text.
    const statusRows = await page
      .locator('[data-table="status"] tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll("td")].slice(0, 2).map((td) => td.textContent)),
      );
    expect(statusRows).toEqual([
      ["200", "168"],
      ["404", "21"],
      ["500", "21"],
    ]);
    const topPaths = await page
      .locator('[data-table="top-paths"] tbody tr td:first-child')
      .allTextContents();
    expect(topPaths.sort()).toEqual(["/h/0", "/h/1", "/h/2", "/h/3"]);
    expect(
      await page.locator('[data-table="top-user-agents"] tbody td').first().textContent(),
    ).toBe("ua<script>");
    expect(await page.locator("script").count()).toBe(0);
  } finally {
    await browser.close();
  }
}, 60_000);

test("a timeline of a million buckets renders: no chart spreads its values as arguments", () => {
  // Math.max(...values) throws RangeError past a few hundred thousand arguments.
  const rows = Array.from({ length: 1_000_000 }, (_, i) => [
    "2026-11-26T09:00:00.000Z",
    i === 123_456 ? 7 : 0,
    0,
    0,
    0,
    0,
    0,
    0,
    0.001,
    i === 654_321 ? 2.5 : 0.002,
  ]);
  const report = {
    overview: { sources: ["x.log"], bucketSeconds: 1, firstTime: null, lastTime: null },
    tables: [{ name: "timeline", title: "t", columns: [], rows }],
    badExamples: [],
  } as unknown as Report;
  const html = renderHtml(report);
  expect(html).toContain('data-points="1000000"');
  // The axes are scaled to the largest values: 7 requests, 2.5 s.
  expect(html).toContain(">7</text>");
  expect(html).toContain(">2.5s</text>");
}, 60_000);
