/**
 * Compiles tools the way build.ts does (release flags) into one temp dir per test process,
 * once per tool, so every test file can run the real binary without a separate build step.
 */
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildInfoFor, compileTool } from "../../lib/build/compile.ts";
import { hostTarget } from "../../lib/build/targets.ts";

const root = resolve(import.meta.dir, "../..");
let outDir: string | undefined;
const builds = new Map<string, Promise<string>>();

/** In the test process's own temp root (tests/helpers/temp-root.ts), removed with it. */
function binDir(): string {
  if (!outDir) {
    outDir = join(tmpdir(), "opsctl-test-bin");
    mkdirSync(outDir, { recursive: true });
  }
  return outDir;
}

/** Path of the compiled tool (scripts/<tool>.ts), or of a fixture entry under tests/. */
export function compiledTool(tool: string, entry?: string): Promise<string> {
  const key = entry ?? tool;
  let build = builds.get(key);
  if (!build) {
    build = (async () =>
      compileTool({
        root,
        tool,
        target: hostTarget(),
        outDir: binDir(),
        info: await buildInfoFor(root),
        outfile: join(binDir(), tool),
        ...(entry ? { entry: resolve(root, entry) } : {}),
      }))();
    builds.set(key, build);
  }
  return build;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and collects its output. */
export async function run(
  command: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<RunResult> {
  const proc = Bun.spawn(command, {
    cwd: options.cwd,
    env: options.env as Record<string, string> | undefined,
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [exitCode, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { exitCode, stdout, stderr };
}
