/**
 * bench/startup: how fast a compiled tool answers --version and --help, against bun run, node,
 * python3 and a Go hello world, and plain vs minify vs minify+bytecode builds.
 *
 *   bun bench/startup/run.ts [--tool NAME]      (default: every tool in scripts/)
 */
import { mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildInfoFor, compileTool, type Variant } from "../../lib/build/compile.ts";
import { hostTarget } from "../../lib/build/targets.ts";
import { type Measurement, machineLine, measure, table, writeSection } from "../lib/measure.ts";

const root = resolve(import.meta.dir, "../..");
const out = join(root, "bench/out/startup");
mkdirSync(out, { recursive: true });
const { values } = parseArgs({ args: Bun.argv.slice(2), options: { tool: { type: "string" } } });
const tools = values.tool
  ? [values.tool]
  : readdirSync(join(root, "scripts"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.slice(0, -3))
      .sort();
const info = await buildInfoFor(root);
const bun = process.execPath;

async function build(tool: string, variant: Variant): Promise<string> {
  return compileTool({
    root,
    tool,
    target: hostTarget(),
    outDir: out,
    info,
    variant,
    outfile: join(out, `${tool}-${variant}`),
  });
}

const goHello = join(out, "hello-go");
const go = Bun.spawnSync(["go", "build", "-o", goHello, join(import.meta.dir, "hello.go")], {
  env: { ...process.env, GOFLAGS: "" },
});
if (!go.success) throw new Error(`go build: ${go.stderr.toString()}`);

const rows: Measurement[] = [];
rows.push(measure("Go hello world --version", `${goHello} --version`));
rows.push(measure("python3 -c pass", "python3 -c pass"));
rows.push(measure("node -e 0", "node -e 0"));
for (const tool of tools) {
  const release = await build(tool, "release");
  rows.push(measure(`${tool} --version (compiled, release)`, `${release} --version`));
  rows.push(measure(`${tool} --help (compiled, release)`, `${release} --help`));
}
const variantTool = tools.includes("opsctl") ? "opsctl" : (tools[0] ?? "opsctl");
for (const variant of ["plain", "minify", "bytecode"] as const) {
  const binary = await build(variantTool, variant);
  rows.push(measure(`${variantTool} --version (compiled, ${variant})`, `${binary} --version`));
}
rows.push(
  measure(
    `${variantTool} --version (bun run)`,
    `${bun} run ${join(root, "scripts", `${variantTool}.ts`)} --version`,
    10,
    2,
  ),
);

const python = rows.find((r) => r.name.startsWith("python3"));
const goRow = rows.find((r) => r.name.startsWith("Go"));
const worstVersion = rows
  .filter((r) => r.name.includes("--version (compiled, release)"))
  .sort((a, b) => b.medianMs - a.medianMs)[0];
const worstRss = rows
  .filter((r) => r.name.includes("--version (compiled, release)"))
  .sort((a, b) => b.peakRssMb - a.peakRssMb)[0];
const meets = worstVersion && worstRss && worstVersion.medianMs < 15 && worstRss.peakRssMb < 35;
writeSection(
  "startup",
  `## Startup (bench/startup)

Machine: ${machineLine()}. Command: \`bun bench/startup/run.ts\`. Wall time: hyperfine (-N, 3 warm-ups,
20 runs, median); peak RSS: GNU time (median of 3). Ratios are against python3's interpreter start.

${table(
  ["command", "median ms", "min–max ms", "peak RSS MB", "time vs python3", "time vs Go"],
  rows.map((r) => [
    `\`${r.name}\``,
    r.medianMs.toFixed(1),
    `${r.minMs.toFixed(1)}–${r.maxMs.toFixed(1)}`,
    r.peakRssMb.toFixed(1),
    python ? `${(r.medianMs / python.medianMs).toFixed(2)}x` : "",
    goRow ? `${(r.medianMs / goRow.medianMs).toFixed(1)}x` : "",
  ]),
)}

Target: a compiled tool answers \`--version\` in under 15 ms and 35 MB RSS. Slowest tool: ${worstVersion?.name} at
${worstVersion?.medianMs.toFixed(1)} ms; largest RSS: ${worstRss?.name} at ${worstRss?.peakRssMb.toFixed(1)} MB —
**${meets ? "met" : "missed"}**.

Exact commands:
${rows.map((r) => `- \`${r.command.replaceAll(root, ".")}\``).join("\n")}
`,
);
console.log(
  rows
    .map((r) => `${r.name}: ${r.medianMs.toFixed(1)} ms, ${r.peakRssMb.toFixed(1)} MB`)
    .join("\n"),
);
