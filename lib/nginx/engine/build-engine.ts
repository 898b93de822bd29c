/**
 * Compiles nginxlog's WebAssembly scanner (assembly/scan.ts, AssemblyScript) into scan.wasm
 * beside it. A build step, not a run-time one: build.ts, the tests' compile helper and their
 * preload call ensureScanWasm(), which compiles only when scan.wasm is missing or older than
 * one of its source files. `bun lib/nginx/engine/build-engine.ts` does it by hand.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

const here = import.meta.dir;
const sourceDir = join(here, "assembly");
export const scanSource = join(sourceDir, "scan.ts");
export const scanWasm = join(here, "scan.wasm");

/**
 * The memory comes from JavaScript (scan-engine.ts sizes it and bounds what it may grow to);
 * when the engine grows it, scan-engine.ts renews the views JavaScript holds on it.
 */
export const ascFlags = [
  "-O3",
  "--runtime",
  "stub",
  "--enable",
  "simd",
  "--noAssert",
  "--importMemory",
];

/** One build per process: build.ts compiles several tools at once, each asking. */
let building: Promise<void> | undefined;

export function ensureScanWasm(): Promise<void> {
  building ??= buildIfStale().finally(() => {
    building = undefined;
  });
  return building;
}

async function buildIfStale(): Promise<void> {
  const newestSource = Math.max(
    ...readdirSync(sourceDir).map((name) => statSync(join(sourceDir, name)).mtimeMs),
  );
  if (existsSync(scanWasm) && statSync(scanWasm).mtimeMs >= newestSource) return;
  const asc = await import("assemblyscript/asc");
  const output: string[] = [];
  const stream = { write: (text: string) => output.push(String(text)) };
  // Written beside and renamed: a build running at the same time never reads half a file.
  const partial = `${scanWasm}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
  try {
    const { error } = await asc.main([scanSource, ...ascFlags, "-o", partial], {
      stdout: stream as never,
      stderr: stream as never,
    });
    if (error)
      throw new Error(`compiling ${scanSource} failed: ${error.message}\n${output.join("")}`);
    renameSync(partial, scanWasm);
  } finally {
    rmSync(partial, { force: true });
  }
}

if (import.meta.main) await ensureScanWasm();
