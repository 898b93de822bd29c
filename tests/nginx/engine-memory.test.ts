/**
 * nginxlog's WebAssembly engine has at most 2 GiB of memory (its addresses are int32 in
 * JavaScript): a run the JavaScript path can count must never run the engine out of it. Large
 * --capacity tables leave it the least room, and every per-path latency sketch may take up to
 * 16 chunks of bins.
 */
import { afterEach, expect, test } from "bun:test";
import { Analyzer } from "../../lib/nginx/analyzer.ts";
import { compileFormat } from "../../lib/nginx/format.ts";
import { LineFeeder } from "../../lib/nginx/reader.ts";

const savedSwitch = process.env.OPSCTL_NGINX_WASM;
afterEach(() => {
  if (savedSwitch === undefined) delete process.env.OPSCTL_NGINX_WASM;
  else process.env.OPSCTL_NGINX_WASM = savedSwitch;
});

test("--capacity 1200000 with 160000 paths of widely spread latencies: every line counted, no engine trap", () => {
  delete process.env.OPSCTL_NGINX_WASM;
  const analyzer = new Analyzer({
    format: compileFormat("$request_time $uri"),
    topCapacity: 1_200_000,
  });
  const feeder = new LineFeeder(analyzer);
  // One value per 64-bin chunk of a sketch (1 ms .. 99000 s): each path's sketch takes them all.
  const values = ["0.001", "0.004", "0.015", "0.060", "0.250", "1.000", "4.000", "16.000"];
  const more = ["64.000", "250.000", "1000.000", "4000.000", "16000.000", "64000.000", "99000.000"];
  const spread = [...values, ...more, "0.002"];
  const paths = 160_000;
  for (let i = 0; i < paths; i++)
    feeder.push(Buffer.from(spread.map((value) => `${value} /p${i}\n`).join(""), "latin1"));
  feeder.finish();
  const summary = analyzer.summary(["test"]);
  expect(summary.requests).toBe(paths * spread.length);
  expect(summary.bad).toBe(0);
  expect(summary.latency.request.all.count).toBe(paths * spread.length);
}, 120_000);
