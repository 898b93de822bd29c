/**
 * The one build: every scripts/*.ts (each tool, plus the multi-call opsctl) x every target
 * -> dist/<tool>-<version>-<os>-<arch>[.exe], one archive per target, and SHA256SUMS.
 *
 *   bun build.ts [--targets host|all|LIST] [--tools LIST] [--out DIR] [--variant release|plain|minify|bytecode]
 *                [--no-archives] [--jobs N] [--help]
 */

import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { archiveTarget, writeChecksums } from "./lib/build/archive.ts";
import { buildInfoFor, compileTool, type Variant } from "./lib/build/compile.ts";
import { allTargets, hostTarget, type Target } from "./lib/build/targets.ts";

const usage = `Usage: bun build.ts [OPTIONS]

Compiles every scripts/*.ts (each tool, plus the multi-call opsctl) for each target into
DIR/<tool>-<version>-<os>-<arch>[.exe], then one archive per target and SHA256SUMS.

  --targets host|all|LIST  comma-separated targets (default: host; known: ${allTargets.map((t) => t.name).join(", ")})
  --tools LIST             comma-separated tools (default: every scripts/*.ts)
  --out DIR                output directory (default: dist)
  --variant NAME           release (default), plain, minify or bytecode
  --no-archives            binaries only: no archives, no SHA256SUMS
  --jobs N                 compilations at once (default: 2)
  -h, --help               print this help
`;

function parseCommandLine() {
  try {
    return parseArgs({
      args: Bun.argv.slice(2),
      options: {
        targets: { type: "string", default: "host" },
        tools: { type: "string" },
        out: { type: "string", default: "dist" },
        variant: { type: "string", default: "release" },
        "no-archives": { type: "boolean", default: false },
        jobs: { type: "string", default: "2" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
  } catch (error) {
    // A usage error, not a crash: one line and exit 2, as every opsctl tool does.
    console.error(`build: ${(error as Error).message} (see bun build.ts --help)`);
    process.exit(2);
  }
}

const { values } = parseCommandLine();
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}

const root = import.meta.dir;
const allTools = readdirSync(join(root, "scripts"))
  .filter((name) => name.endsWith(".ts"))
  .map((name) => name.slice(0, -3))
  .sort();

function pick<T>(spec: string, all: T[], key: (item: T) => string, what: string): T[] {
  const wanted = spec
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  return wanted.map((name) => {
    const found = all.find((item) => key(item) === name);
    if (!found) {
      console.error(`build: unknown ${what} "${name}" (known: ${all.map(key).join(", ")})`);
      process.exit(2);
    }
    return found;
  });
}

const targets: Target[] =
  values.targets === "all"
    ? allTargets
    : values.targets === "host"
      ? [hostTarget()]
      : pick(values.targets ?? "", allTargets, (t) => t.name, "target");
const tools = values.tools ? pick(values.tools, allTools, (t) => t, "tool") : allTools;
const variant = values.variant as Variant;
if (!["release", "plain", "minify", "bytecode"].includes(variant)) {
  console.error(`build: --variant must be release, plain, minify or bytecode`);
  process.exit(2);
}
const outDir = values.out ?? "dist";
mkdirSync(outDir, { recursive: true });

const info = await buildInfoFor(root);
const jobs = Math.max(1, Number(values.jobs) || 1);
const work = targets.flatMap((target) => tools.map((tool) => ({ target, tool })));
const started = performance.now();
let next = 0;
let failed = false;
await Promise.all(
  Array.from({ length: jobs }, async () => {
    while (next < work.length) {
      const item = work[next++];
      if (!item) break;
      try {
        const file = await compileTool({
          root,
          tool: item.tool,
          target: item.target,
          outDir,
          info,
          variant,
        });
        console.error(`built ${file}`);
      } catch (error) {
        failed = true;
        console.error(`build: ${item.tool} for ${item.target.name}: ${(error as Error).message}`);
      }
    }
  }),
);
if (failed) process.exit(1);
if (!values["no-archives"]) {
  for (const target of targets)
    console.error(`archived ${await archiveTarget({ outDir, target, tools, info, root })}`);
  rmSync(join(outDir, ".staging"), { recursive: true, force: true });
  console.error(`wrote ${writeChecksums(outDir)}`);
}
console.error(
  `build: ${work.length} binaries in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
