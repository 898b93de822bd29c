/**
 * bench/telemetry: what OpenTelemetry costs a compiled tool. Each tool is built with the release
 * flags as shipped, with lib/telemetry/hook.ts stubbed out (the binary a build without OTLP
 * support would be), and as shipped plus --splitting. Reports binary size, start-up + run time
 * and peak RSS without OTLP configured (what every user pays) and with OTLP sent to a real
 * Collector (tests/env).
 *
 *   bun bench/telemetry/run.ts
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BunPlugin } from "bun";
import { buildInfoFor } from "../../lib/build/compile.ts";
import { hostTarget } from "../../lib/build/targets.ts";
import { startCollector } from "../../tests/env/otelcol.ts";
import { machineLine, peakRssKb, table, writeSection } from "../lib/measure.ts";

const root = resolve(import.meta.dir, "../..");
const out = join(root, "bench/out/telemetry");
mkdirSync(out, { recursive: true });
const info = { ...(await buildInfoFor(root)), target: hostTarget().name };

const withoutTelemetry: BunPlugin = {
  name: "without-telemetry",
  setup(build) {
    build.onLoad({ filter: /lib[\\/]telemetry[\\/]hook\.ts$/ }, () => ({
      contents: "export const telemetryHook = async () => ({ end: async () => {} });",
      loader: "ts",
    }));
  },
};

interface Row {
  name: string;
  medianMs: number;
  minMs: number;
  /** user + system CPU per run: steadier than wall time on a shared 2-core machine. */
  cpuMs: number;
  peakRssMb: number;
}

interface Sample {
  median: number;
  min: number;
  user: number;
  system: number;
}

/** One hyperfine round (-N, 15 runs after 3 warm-ups). */
function hyperfineRound(command: string): Sample {
  const jsonPath = join(out, "hyperfine.json");
  const proc = Bun.spawnSync(
    [
      "hyperfine",
      "-N",
      "--style",
      "none",
      "--warmup",
      "3",
      "--runs",
      "15",
      "--export-json",
      jsonPath,
      command,
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  if (!proc.success) throw new Error(`hyperfine ${command}: ${proc.stderr.toString()}`);
  return JSON.parse(readFileSync(jsonPath, "utf8")).results[0] as Sample;
}

const middle = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * The variants of one tool measured in interleaved rounds (A B C D E, A B C D E, ...), so a burst
 * of load from other jobs hits them all alike; each figure is the median over the rounds.
 */
function measureInterleaved(runs: { name: string; command: string }[], rounds = 4): Row[] {
  const samples = runs.map(() => [] as Sample[]);
  for (let round = 0; round < rounds; round++)
    for (const [index, run] of runs.entries()) samples[index]?.push(hyperfineRound(run.command));
  return runs.map((run, index) => {
    const mine = samples[index] ?? [];
    const rss = [0, 1, 2].map(() => peakRssKb(run.command)).sort((a, b) => a - b)[1] ?? 0;
    return {
      name: run.name,
      medianMs: middle(mine.map((s) => s.median)) * 1000,
      minMs: Math.min(...mine.map((s) => s.min)) * 1000,
      cpuMs: middle(mine.map((s) => s.user + s.system)) * 1000,
      peakRssMb: rss / 1024,
    };
  });
}

/** Same flags as lib/build/compile.ts's release variant, through the API so a plugin can stub. */
async function build(
  name: string,
  entry: string,
  variant: "without" | "with" | "split",
): Promise<string> {
  const outfile = join(out, `${name}-${variant}-otel`);
  const stub = variant === "without";
  const result = await Bun.build({
    entrypoints: [join(root, entry)],
    compile: { outfile, autoloadDotenv: false, autoloadBunfig: false },
    minify: true,
    bytecode: true,
    format: "esm",
    define: { OPSCTL_BUILD_INFO: JSON.stringify(JSON.stringify(info)) },
    plugins: stub ? [withoutTelemetry] : [],
    // The candidate fix: the SDK in its own chunk, parsed only when imported.
    splitting: variant === "split",
  });
  if (!result.success) throw new Error(`build ${name}: ${result.logs.join("\n")}`);
  return outfile;
}

const collector = await startCollector();
const work = mkdtempSync(join(tmpdir(), "opsctl-bench-otel-"));
for (let i = 0; i < 200; i++) writeFileSync(join(work, `f${i}.log`), "x");

const tools = [
  { name: "demo fixture", entry: "tests/fixtures/demo-tool.ts", args: "a b c" },
  { name: "ffind", entry: "scripts/ffind.ts", args: `${work} --name '*.log' --count` },
];
const sizes: (string | number)[][] = [];
const rows: Row[] = [];
const otlpEnv = `env OTEL_EXPORTER_OTLP_ENDPOINT=${collector.httpEndpoint}`;
const perTool = 5;
for (const tool of tools) {
  const short = tool.name.split(" ")[0] ?? tool.name;
  const withoutOtel = await build(short, tool.entry, "without");
  const shipped = await build(short, tool.entry, "with");
  const split = await build(short, tool.entry, "split");
  const mb = (path: string) => statSync(path).size / 2 ** 20;
  const cost = (path: string) =>
    `+${(mb(path) - mb(withoutOtel)).toFixed(2)} MiB (${((mb(path) / mb(withoutOtel) - 1) * 100).toFixed(1)} %)`;
  sizes.push([
    tool.name,
    mb(withoutOtel).toFixed(1),
    mb(shipped).toFixed(1),
    cost(shipped),
    cost(split),
  ]);
  rows.push(
    ...measureInterleaved([
      { name: `${tool.name}: built without OTel`, command: `${withoutOtel} ${tool.args}` },
      { name: `${tool.name}: shipped, no endpoint`, command: `${shipped} ${tool.args}` },
      { name: `${tool.name}: shipped, OTLP on`, command: `${otlpEnv} ${shipped} ${tool.args}` },
      { name: `${tool.name}: --splitting, no endpoint`, command: `${split} ${tool.args}` },
      { name: `${tool.name}: --splitting, OTLP on`, command: `${otlpEnv} ${split} ${tool.args}` },
    ]),
  );
}
await collector.service.stop();
rmSync(work, { recursive: true, force: true });

const ratioRows = rows.map((row, index) => {
  const base = rows[index - (index % perTool)] ?? row;
  return [
    row.name,
    row.medianMs.toFixed(1),
    row.minMs.toFixed(1),
    row.cpuMs.toFixed(1),
    (row.cpuMs / base.cpuMs).toFixed(2),
    row.peakRssMb.toFixed(1),
    (row.peakRssMb / base.peakRssMb).toFixed(2),
  ];
});

const sizeHeaders = ["tool", "without OTel", "shipped", "cost", "cost with --splitting"];
const runHeaders = [
  "run",
  "median ms",
  "min ms",
  "CPU ms",
  "CPU ratio",
  "peak RSS MiB",
  "RSS ratio",
];
const verdicts = tools.map((tool, index) => {
  const [without, shipped, , split] = rows.slice(index * perTool, index * perTool + 4);
  const delta = (row: Row | undefined) => ((row?.cpuMs ?? 0) - (without?.cpuMs ?? 0)).toFixed(1);
  const ratio = (row: Row | undefined) => ((row?.cpuMs ?? 0) / (without?.cpuMs ?? 1)).toFixed(2);
  return `- ${tool.name}, no endpoint: shipped build ${ratio(shipped)}x the CPU of the build without OTel (${delta(shipped)} ms); with \`--splitting\` ${ratio(split)}x (${delta(split)} ms).`;
});

/** The section as biome formats Markdown (padded tables), so \`biome check .\` stays clean. */
function biomeFormatted(markdown: string): string {
  const result = Bun.spawnSync(
    [join(root, "node_modules/.bin/biome"), "format", "--stdin-file-path=section.md"],
    { stdin: new TextEncoder().encode(markdown), stdout: "pipe", stderr: "pipe" },
  );
  return result.success ? result.stdout.toString() : markdown;
}

writeSection(
  "telemetry",
  biomeFormatted(`## OpenTelemetry overhead (bench/telemetry)

Machine: ${machineLine()}. Command: \`bun bench/telemetry/run.ts\`. Each tool is compiled three
times with the release flags (minify + bytecode, esm): as shipped; with \`lib/telemetry/hook.ts\`
stubbed out by a build plugin (what a binary without OTLP support would be); and as shipped plus
\`--splitting\` (the SDK in its own chunk inside the executable). Times are hyperfine medians and
minimums and mean CPU time (user + system), the steadier figure when other jobs share the 2 cores:
hyperfine \`-N\`, 4 interleaved rounds of 15 runs (3 warm-ups) over the five variants of a tool, the
median of the rounds reported; peak RSS is GNU time's, median of 3. "OTLP on" runs export to a real
OpenTelemetry Collector (tests/env/otelcol) on 127.0.0.1 over http/protobuf, final flush included.

Binary size (MiB):

${table(sizeHeaders, sizes)}

Run time and memory (ratios against the build without OTel):

${table(runHeaders, ratioRows)}

Target: a tool run without an OTLP endpoint pays nothing. The SDK is never evaluated without an
endpoint (a lazy module behind a dynamic import), but in a single-chunk executable its ~160 KB of
minified JS is still parsed at start:

${verdicts.join("\n")}

So the target is met only with \`--splitting\` in the release build (lib/build/compile.ts, the
lead's call); as shipped it is missed by the figures above. With OTLP on, the extra time is loading
the SDK plus one export round trip per signal at exit.

Notes from the 2026-11-26 runs: the 2 cores were shared with other jobs (load average 40-90), so wall times are unreliable;
the CPU ratios kept their direction over three runs that day (shipped, no endpoint: 1.14x-1.43x;
with \`--splitting\`: 0.88x-1.18x) and \`perf stat -r 40 -e task-clock\` at a lower load gave
14.6 -> 16.7 ms (+14 %) shipped and 13.3 ms with \`--splitting\` for the demo fixture. A release build
with \`--splitting\` passed the compiled-binary suites (tests/cli, metrics, fs, nginx sources,
sshping, exporter checks, telemetry: 185 tests), nginxlog's self-spawning Workers included.
`),
);
console.log(table(sizeHeaders, sizes));
console.log(table(runHeaders, ratioRows));
