/**
 * Records how nginxlog sets its engine up, for harness.c to repeat on a native build of it:
 *
 *   bun bench/nginx/native-engine/record-setup.ts ENGINE.wasm LOG OUT_DIR
 *
 * Runs nginxlog (one thread, `--format timed`) over LOG with ENGINE.wasm in place of the engine
 * it carries, and at the engine's first scan() writes OUT_DIR/setup.txt (each export call made
 * until then: name, result, arguments) and OUT_DIR/setup.bin (the engine's memory then: the
 * format JavaScript compiled into it, the millisecond bins, the empty tables), then exits.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [enginePath, log, outDir] = Bun.argv.slice(2);
if (!enginePath || !log || !outDir)
  throw new Error("usage: record-setup.ts ENGINE.wasm LOG OUT_DIR");
const engine = new WebAssembly.Module(readFileSync(enginePath));

interface Call {
  name: string;
  result: number;
  args: number[];
}
const calls: Call[] = [];
const Instance = WebAssembly.Instance;
// A bench-only stand-in: the product's instance is made from ENGINE.wasm, its calls recorded.
(WebAssembly as unknown as { Instance: unknown }).Instance = function record(
  _module: WebAssembly.Module,
  imports: { env: { memory: WebAssembly.Memory } },
) {
  const instance = new Instance(
    engine,
    imports as unknown as Record<string, Record<string, WebAssembly.Memory>>,
  );
  const memory = imports.env.memory;
  const exports: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(instance.exports)) {
    if (typeof value !== "function") {
      exports[name] = value;
      continue;
    }
    exports[name] = (...args: number[]) => {
      if (name === "scan") {
        writeFileSync(join(outDir, "setup.bin"), new Uint8Array(memory.buffer));
        const lines = calls.map((c) => [c.name, c.result, ...c.args].join(" "));
        writeFileSync(join(outDir, "setup.txt"), `${lines.join("\n")}\n`);
        process.exit(0);
      }
      const result = (value as (...a: number[]) => number)(...args);
      calls.push({ name, result: result ?? 0, args });
      return result;
    };
  }
  return { exports };
};

const { nginxlog } = await import("../../../scripts/nginxlog.ts");
const { runTool } = await import("../../../lib/cli/run-tool.ts");
await runTool(nginxlog, { argv: ["--format", "timed", "--json", "--threads", "1", log] });
throw new Error("the engine was never asked to scan: was the wasm engine turned off?");
