/**
 * `bun run scripts/nginxlog.ts` in a checkout that never ran a build: scan.wasm is not in git,
 * and bunfig.toml's preload (lib/nginx/engine/ensure-built.ts) must build it before the entry
 * imports it. The copy holds what git tracks for running a tool, with the project's
 * node_modules linked in.
 */
import { expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { timedLines } from "./helpers.ts";

const root = resolve(import.meta.dir, "../..");

test("bun run scripts/nginxlog.ts builds the engine a fresh checkout lacks, then uses it", () => {
  const checkout = mkdtempSync(join(tmpdir(), "fresh-checkout-"));
  for (const name of ["lib", "scripts", "bunfig.toml", "package.json", "tsconfig.json"])
    cpSync(join(root, name), join(checkout, name), {
      recursive: true,
      filter: (source) => !source.endsWith("scan.wasm"),
    });
  symlinkSync(join(root, "node_modules"), join(checkout, "node_modules"));
  const wasm = join(checkout, "lib/nginx/engine/scan.wasm");
  expect(existsSync(wasm)).toBe(false);
  const log = join(checkout, "access.log");
  writeFileSync(log, `${timedLines(500, 3).join("\n")}\n`);
  const run = Bun.spawnSync(
    [
      process.execPath,
      "run",
      "scripts/nginxlog.ts",
      log,
      "--format",
      "timed",
      "--json",
      "--log-level",
      "debug",
      "--log-format",
      "json",
    ],
    {
      cwd: checkout,
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, OPSCTL_NGINX_WASM: "" },
    },
  );
  expect(run.stderr.toString()).toContain('"wasmLines":500');
  expect(run.exitCode).toBe(0);
  expect(JSON.parse(run.stdout.toString()).overview.requests).toBe(500);
  expect(existsSync(wasm)).toBe(true);
}, 60_000);
