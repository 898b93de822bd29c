/**
 * Compiles tools the way build.ts does (release flags) into one temp dir per test process,
 * once per tool, so every test file can run the real binary without a separate build step.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildInfoFor, compileTool } from "../../lib/build/compile.ts";
import { hostTarget } from "../../lib/build/targets.ts";

const root = resolve(import.meta.dir, "../..");
const binRoot = join(tmpdir(), "opsctl-test-bin");
let outDir: string | undefined;
const builds = new Map<string, Promise<string>>();

/**
 * One directory per test process, named by pid. bun test runs no exit hooks, so instead of
 * cleaning up after ourselves we remove the directories of test processes that are gone.
 */
function binDir(): string {
  if (!outDir) {
    mkdirSync(binRoot, { recursive: true });
    for (const name of readdirSync(binRoot)) {
      if (!isAlive(Number(name))) rmSync(join(binRoot, name), { recursive: true, force: true });
    }
    outDir = join(binRoot, String(process.pid));
    mkdirSync(outDir, { recursive: true });
  }
  return outDir;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
