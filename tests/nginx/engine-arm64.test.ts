/**
 * The linux-arm64 nginxlog under qemu-user: its WebAssembly engine runs there too (JSC compiles
 * it for arm64, SIMD included) and counts exactly what the JavaScript path counts.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildInfoFor, compileTool } from "../../lib/build/compile.ts";
import { allTargets } from "../../lib/build/targets.ts";
import { run } from "../helpers/compiled.ts";
import { timedLines } from "./helpers.ts";

const root = resolve(import.meta.dir, "../..");
// Debian's qemu-user-static and libc6-arm64-cross (tests/env/setup.sh installs both).
const qemu = ["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"];
let nginxlog: string;

beforeAll(async () => {
  const arm64 = allTargets.find((target) => target.name === "linux-arm64");
  if (!arm64) throw new Error("no linux-arm64 target in lib/build/targets.ts");
  const outDir = join(tmpdir(), "nginx-arm64-bin");
  nginxlog = await compileTool({
    root,
    tool: "nginxlog",
    target: arm64,
    outDir,
    info: await buildInfoFor(root),
    outfile: join(outDir, "nginxlog"),
  });
}, 300_000);

describe("linux-arm64 nginxlog (under qemu-user)", () => {
  test("scans and counts in WebAssembly; the same report as with OPSCTL_NGINX_WASM=0", async () => {
    const log = join(tmpdir(), "arm64-access.log");
    writeFileSync(log, `${timedLines(2000, 9).join("\n")}\n`);
    const args = [...qemu, nginxlog, log, "--format", "timed", "--json", "--log-level", "debug"];
    const wasm = await run(args);
    const js = await run(args, { env: { ...process.env, OPSCTL_NGINX_WASM: "0" } });
    expect(wasm.exitCode).toBe(0);
    expect(js.exitCode).toBe(0);
    const wasmLines = (stderr: string) => Number(/"wasmLines":(\d+)/.exec(stderr)?.[1] ?? -1);
    expect(wasmLines(wasm.stderr)).toBe(2000);
    expect(wasmLines(js.stderr)).toBe(0);
    expect(JSON.parse(wasm.stdout).overview.requests).toBe(2000);
    expect(wasm.stdout).toBe(js.stdout);
  }, 300_000);
});
