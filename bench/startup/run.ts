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

// The floor: what the Bun runtime alone costs a compiled binary.
const helloBun = join(out, "hello-bun");
const helloSource = join(out, "hello-bun.ts");
await Bun.write(helloSource, 'if (process.argv[2] === "--version") console.log("hello 0.0.0");\n');
const bunHello = Bun.spawnSync([
  bun,
  "build",
  "--compile",
  "--minify",
  helloSource,
  `--outfile=${helloBun}`,
]);
if (!bunHello.success) throw new Error(`bun build hello: ${bunHello.stderr.toString()}`);

const rows: Measurement[] = [];
rows.push(
  measure("Bun compiled hello world --version (the runtime's floor)", `${helloBun} --version`),
);
rows.push(measure("Go hello world --version", `${goHello} --version`));
// The interpreter itself: `python3` on PATH may be a pyenv shim (a shell script) that triples its start.
const python =
  Bun.spawnSync(["python3", "-c", "import sys; print(sys.executable)"]).stdout.toString().trim() ||
  "python3";
rows.push(measure("python3 -c pass", `${python} -c pass`));
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

const pythonRow = rows.find((r) => r.name.startsWith("python3"));
const goRow = rows.find((r) => r.name.startsWith("Go"));
const worstVersion = rows
  .filter((r) => r.name.includes("--version (compiled, release)"))
  .sort((a, b) => b.medianMs - a.medianMs)[0];
const worstRss = rows
  .filter((r) => r.name.includes("--version (compiled, release)"))
  .sort((a, b) => b.peakRssMb - a.peakRssMb)[0];
const releaseRows = rows.filter((r) => r.name.includes("--version (compiled, release)"));
const helloRow = rows.find((r) => r.name.startsWith("Bun compiled hello"));
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
    pythonRow ? `${(r.medianMs / pythonRow.medianMs).toFixed(2)}x` : "",
    goRow ? `${(r.medianMs / goRow.medianMs).toFixed(1)}x` : "",
  ]),
)}

Target: a compiled tool answers \`--version\` in under 15 ms and 35 MB RSS.
${releaseRows
  .map(
    (r) =>
      `- ${r.name.split(" ")[0]}: ${r.medianMs.toFixed(1)} ms (${r.medianMs < 15 ? "met" : "missed"}), ${r.peakRssMb.toFixed(1)} MB (${r.peakRssMb < 35 ? "met" : "missed"})`,
  )
  .join("\n")}

Overall: **${meets ? "met" : "missed"}** — slowest ${worstVersion?.name.split(" ")[0]} at ${worstVersion?.medianMs.toFixed(1)} ms,
largest ${worstRss?.name.split(" ")[0]} at ${worstRss?.peakRssMb.toFixed(1)} MB. A compiled Bun hello world already takes
${helloRow?.peakRssMb.toFixed(1)} MB, so each tool's own share is its RSS minus that floor. What keeps it down: the release
build is minify + bytecode + --splitting (code imported lazily lands in chunks that a --version start never parses),
prom-client's classes are imported from their own modules (its index costs ~15 MB), and ssh2, the Kubernetes client, the
OpenTelemetry SDK and the Parquet writer are loaded on first use. Python and Go are the baselines the issue names; node is
for reference.

Exact commands:
${rows.map((r) => `- \`${r.command.replaceAll(root, ".")}\``).join("\n")}
`,
);
console.log(
  rows
    .map((r) => `${r.name}: ${r.medianMs.toFixed(1)} ms, ${r.peakRssMb.toFixed(1)} MB`)
    .join("\n"),
);
