/**
 * Instructions a line in nginxlog's WebAssembly engine, per engine function: the figure that
 * repeats to the unit on a machine whose wall-clock times drift by ±15-25% between runs.
 *
 *   bun bench/nginx/engine-instructions.ts [--log FILE] [--out bench/out/nginx]
 *
 * Runs the release binary (one thread) under `valgrind --tool=callgrind --dump-instr=yes` over
 * the first 20 MB of the 1 GB bench log. JavaScriptCore compiles synchronously
 * (BUN_JSC_useConcurrentJIT=0, so the tiers change at the same points every run) and prints the
 * address ranges of the code it generates for each wasm function
 * (BUN_JSC_dump{BBQ,OMG}Disassembly=1); the instructions callgrind counts at each address are
 * summed per function, named from AssemblyScript's text output of the same source. Warm-up
 * (the BBQ tier) is included; JavaScript and the runtime are not.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ascFlags, scanSource } from "../../lib/nginx/engine/build-engine.ts";
import { buildReleaseBinary } from "./release-binary.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    log: { type: "string" },
    out: { type: "string", default: "bench/out/nginx" },
  },
});
const root = resolve(import.meta.dir, "../..");
const outDir = resolve(root, values.out);
mkdirSync(outDir, { recursive: true });

if (!Bun.which("valgrind"))
  throw new Error("valgrind not found (Debian: apt-get install valgrind)");

const log = values.log ? resolve(values.log) : join(outDir, "access-20M.log");
if (!values.log && !existsSync(log)) {
  const big = join(outDir, "access-1G.log");
  if (!existsSync(big)) throw new Error(`${big} missing: run bench/nginx/run.ts once first`);
  // The first 20 MB, cut after a newline.
  const fd = openSync(big, "r");
  const head = Buffer.alloc(20e6);
  readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  await Bun.write(log, head.subarray(0, head.lastIndexOf(10) + 1));
}
const lineCount = readFileSync(log).reduce((n, byte) => (byte === 10 ? n + 1 : n), 0);

const binary = buildReleaseBinary(outDir);

const callgrindOut = join(outDir, "engine.callgrind");
const jitDump = join(outDir, "engine.jit.txt");
const run = Bun.spawnSync(
  [
    "valgrind",
    "--tool=callgrind",
    "--dump-instr=yes",
    "--smc-check=all-non-file",
    `--callgrind-out-file=${callgrindOut}`,
    binary,
    "--format",
    "timed",
    "--json",
    "--threads",
    "1",
    log,
  ],
  {
    env: {
      ...process.env,
      BUN_JSC_useConcurrentJIT: "0",
      BUN_JSC_dumpOMGDisassembly: "1",
      BUN_JSC_dumpBBQDisassembly: "1",
    },
    stdout: "ignore",
    stderr: Bun.file(jitDump),
  },
);
if (!run.success) throw new Error(`valgrind failed (exit ${run.exitCode}); see ${jitDump}`);

/** Code ranges of each wasm function: "Generated OMG functionIndexSpace:(N)" then its ranges. */
interface CodeRange {
  start: number;
  end: number;
  index: number;
  optimised: boolean;
}

function codeRanges(dump: string): CodeRange[] {
  const ranges: CodeRange[] = [];
  let index = -1;
  let optimised = false;
  for (const line of dump.split("\n")) {
    const generated = /^Generated (BBQ|OMG)\w* functionIndexSpace:\((\d+)\)/.exec(line);
    if (generated) {
      index = Number(generated[2]);
      optimised = generated[1] === "OMG";
    } else if (line.startsWith("Generated ")) index = -1;
    const range = /not available for range 0x([0-9a-f]+)\.\.\.0x([0-9a-f]+)/.exec(line);
    if (range && index >= 0)
      ranges.push({
        start: Number.parseInt(range[1] as string, 16),
        end: Number.parseInt(range[2] as string, 16),
        index,
        optimised,
      });
  }
  return ranges.sort((a, b) => a.start - b.start);
}

/** Self cost per instruction address (positions "instr line"; a cost after calls= is the call's). */
function costsByAddress(text: string): Map<number, number> {
  const costs = new Map<number, number>();
  let address = 0;
  let callCost = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("calls=")) {
      callCost = true;
      continue;
    }
    const first = line.charCodeAt(0);
    // Cost lines start with a position: 0x… (absolute), +n / -n (relative) or * (the same).
    if (!(first === 48 || first === 43 || first === 45 || first === 42)) continue;
    const [position, , cost] = line.split(" ");
    if (position?.startsWith("0x")) address = Number.parseInt(position, 16);
    else if (position?.startsWith("+")) address += Number(position.slice(1));
    else if (position?.startsWith("-")) address -= Number(position.slice(1));
    if (callCost) {
      callCost = false;
      continue;
    }
    if (cost !== undefined) costs.set(address, (costs.get(address) ?? 0) + Number(cost));
  }
  return costs;
}

/** Function names by index (imports first), from AssemblyScript's text output of the engine. */
async function functionNames(): Promise<string[]> {
  const asc = await import("assemblyscript/asc");
  const wat = join(outDir, "engine.wat");
  const { error } = await asc.main([scanSource, ...ascFlags, "--textFile", wat], {
    stdout: { write: () => true } as never,
    stderr: { write: () => true } as never,
  });
  if (error) throw error;
  const names = [
    ...readFileSync(wat, "utf8").matchAll(/^ \((?:import "env" "(\w+)" \(func|func \$([^\s)]+))/gm),
  ].map((m) => (m[1] ?? m[2] ?? "?").replace(/^.*\/assembly\//, ""));
  rmSync(wat);
  return names;
}

const ranges = codeRanges(readFileSync(jitDump, "utf8"));
const names = await functionNames();
// Per function: [optimised (OMG), warm-up (BBQ)]. Under load the optimised code arrives later
// and warm-up grows; the optimised figure is the steady one.
const perFunction = new Map<number, [number, number]>();
for (const [address, cost] of costsByAddress(readFileSync(callgrindOut, "utf8"))) {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const range = ranges[mid] as CodeRange;
    if (address < range.start) high = mid - 1;
    else if (address >= range.end) low = mid + 1;
    else {
      const sums = perFunction.get(range.index) ?? [0, 0];
      sums[range.optimised ? 0 : 1] += cost;
      perFunction.set(range.index, sums);
      break;
    }
  }
}
const rows = [...perFunction].sort((a, b) => b[1][0] - a[1][0]);
const perLine = (cost: number) => (cost / lineCount).toFixed(0);
let optimised = 0;
let warmUp = 0;
console.log(`${log}: ${lineCount} lines\n`);
console.log("| engine function | instructions a line, optimised | warm-up |\n|---|---:|---:|");
for (const [index, [omg, bbq]] of rows) {
  optimised += omg;
  warmUp += bbq;
  if ((omg + bbq) / lineCount >= 1)
    console.log(`| ${names[index] ?? `#${index}`} | ${perLine(omg)} | ${perLine(bbq)} |`);
}
console.log(`| **all** | **${perLine(optimised)}** | ${perLine(warmUp)} |`);
rmSync(callgrindOut);
rmSync(jitDump);
