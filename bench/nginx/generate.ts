/**
 * Writes a seeded, reproducible nginx access log in the "timed" format (combined +
 * $request_time $upstream_response_time): skewed client IPs (hundreds of thousands), a few
 * thousand hot paths plus millions of unique ones, realistic status mix and latencies.
 *
 *   bun bench/nginx/generate.ts OUT SIZE [--seed N]      SIZE like 1G, 10G, 50M
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { parseArgs } from "node:util";

const { positionals, values } = parseArgs({
  args: Bun.argv.slice(2),
  allowPositionals: true,
  options: { seed: { type: "string", default: "42" } },
});
const [out, sizeText] = positionals;
if (!out || !sizeText) {
  console.error("usage: generate.ts OUT SIZE [--seed N]");
  process.exit(2);
}
const units: Record<string, number> = { K: 1e3, M: 1e6, G: 1e9 };
const match = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(sizeText);
if (!match) throw new Error(`bad size ${sizeText}`);
const target = Number(match[1]) * (units[(match[2] ?? "").toUpperCase()] ?? 1);

let state = Number(values.seed) >>> 0 || 1;
/** mulberry32: small, fast, seeded. */
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
/** Skewed index in [0, n): a few heavy hitters, a long tail. */
const skewed = (n: number) => Math.floor(n * random() ** 3);

const ipCount = 400_000;
const ips = Array.from(
  { length: ipCount },
  (_, i) => `${10 + (i % 200)}.${(i >> 8) & 255}.${(i * 7) & 255}.${(i * 13 + 1) & 255}`,
);
const hotPaths = Array.from({ length: 5000 }, (_, i) => `/api/v${1 + (i % 3)}/resource${i}/items`);
const methods = ["GET", "GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "HEAD"];
const statuses = [
  200, 200, 200, 200, 200, 200, 200, 200, 200, 304, 301, 404, 404, 500, 502, 503, 403, 201, 204,
];
const agents = Array.from(
  { length: 2000 },
  (_, i) =>
    `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${100 + (i % 40)}.0.${i}.0 Safari/537.36`,
);
const referers = [
  "-",
  "-",
  "-",
  "https://example.com/",
  "https://www.google.com/",
  "https://example.com/search?q=x",
];
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

const fd = openSync(out, "w");
const encoder = new TextEncoder();
let written = 0;
let time = Date.UTC(2026, 0, 1) / 1000;
let unique = 0;
let lines = 0;
while (written < target) {
  const parts: string[] = [];
  for (let i = 0; i < 20000; i++) {
    time += random() < 0.02 ? 1 : 0;
    const d = new Date(time * 1000);
    const stamp = `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
    const path =
      random() < 0.4
        ? `/item/${(unique++).toString(36)}?ref=${Math.floor(random() * 1000)}`
        : (hotPaths[skewed(hotPaths.length)] as string);
    const status = pick(statuses);
    const requestMs = Math.floor(random() ** 4 * 3000) + 1;
    const upstream = status === 304 || status === 301 ? "-" : ((requestMs * 0.9) / 1000).toFixed(3);
    const bytes = status === 304 || status === 204 ? 0 : Math.floor(random() * 50000);
    parts.push(
      `${ips[skewed(ipCount)]} - - [${stamp}] "${pick(methods)} ${path} HTTP/1.1" ${status} ${bytes} "${pick(referers)}" "${agents[skewed(agents.length)]}" ${(requestMs / 1000).toFixed(3)} ${upstream}\n`,
    );
  }
  lines += parts.length;
  const chunk = encoder.encode(parts.join(""));
  writeSync(fd, chunk);
  written += chunk.length;
}
closeSync(fd);
console.error(`wrote ${out}: ${written} bytes, ${lines} lines, ${unique} unique item paths`);
