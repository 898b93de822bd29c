import { join } from "node:path";
import packageJson from "../../package.json" with { type: "json" };
import type { BuildInfo } from "../cli/version.ts";
import { ensureScanWasm } from "../nginx/engine/build-engine.ts";
import { executableName, type Target } from "./targets.ts";

/** release = minify + bytecode + splitting (fastest start, measured in bench/startup); the others are for that bench. */
export type Variant = "release" | "plain" | "minify" | "bytecode";

/** Version from package.json; commit and date from git, so two builds of one commit are identical. */
export async function buildInfoFor(root: string): Promise<Omit<BuildInfo, "target">> {
  const git = (...args: string[]) => {
    const result = Bun.spawnSync(["git", ...args], { cwd: root, stderr: "ignore" });
    return result.success ? result.stdout.toString().trim() : "";
  };
  const commit = git("rev-parse", "--short=12", "HEAD") || "unknown";
  const dirty = git("status", "--porcelain", "--untracked-files=no") !== "";
  const epoch = process.env.SOURCE_DATE_EPOCH ?? git("log", "-1", "--format=%ct");
  const date = epoch
    ? new Date(Number(epoch) * 1000).toISOString().replace(/\.000Z$/, "Z")
    : "unknown";
  return { version: packageJson.version, commit: dirty ? `${commit}-dirty` : commit, date };
}

export interface CompileInput {
  root: string;
  tool: string;
  target: Target;
  outDir: string;
  info: Omit<BuildInfo, "target">;
  variant?: Variant;
  /** Overrides the standard file name (tests). */
  outfile?: string;
  /** Overrides scripts/<tool>.ts (test fixtures). */
  entry?: string;
}

export function compileArgs(input: CompileInput): { args: string[]; outfile: string } {
  const variant = input.variant ?? "release";
  const outfile =
    input.outfile ??
    join(input.outDir, executableName(input.tool, input.info.version, input.target));
  const info: BuildInfo = { ...input.info, target: input.target.name };
  const args = [
    "build",
    "--compile",
    `--target=${input.target.bun}`,
    // A user's .env or bunfig.toml in the working directory must never change a tool.
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    `--define=OPSCTL_BUILD_INFO=${JSON.stringify(JSON.stringify(info))}`,
    ...(variant === "plain" ? [] : ["--minify"]),
    // --splitting puts lazily imported code (the OpenTelemetry SDK, engines loaded on demand) in
    // chunks of their own, so a start that does not need them does not parse them: measured in
    // bench/startup, ~6 MB less RSS at --version.
    ...(variant === "release" || variant === "bytecode" ? ["--bytecode", "--format=esm"] : []),
    ...(variant === "release" ? ["--splitting"] : []),
    input.entry ?? join(input.root, "scripts", `${input.tool}.ts`),
    `--outfile=${outfile}`,
  ];
  return { args, outfile };
}

/** Runs `bun build --compile` with the release flags; returns the output path. */
export async function compileTool(input: CompileInput): Promise<string> {
  // nginxlog embeds its WebAssembly scanner, built from source first (a no-op when up to date).
  await ensureScanWasm();
  const { args, outfile } = compileArgs(input);
  const proc = Bun.spawn([process.execPath, ...args], {
    cwd: input.root,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`bun build exited ${code}: ${(stderr || stdout).trim()}`);
  return outfile;
}
