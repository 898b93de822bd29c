/** Flags that default every check: values that would silently stop or overrun the checks are usage errors. */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTool } from "../../lib/cli/run-tool.ts";
import { exporter } from "../../scripts/exporter.ts";
import { scratchDir } from "./scratch.ts";

const dir = scratchDir("exporter-options");
const file = join(dir, "checks.yaml");
writeFileSync(file, "checks:\n  - { name: a, kind: file, target: /tmp }\n");
const check = (...flags: string[]) =>
  runTool(exporter, {
    argv: ["--checks-file", file, "--check-config", ...flags],
    env: {},
    cwd: dir,
  });

describe("exporter flags", () => {
  test("a valid command line is accepted", async () => {
    expect(await check("--concurrency", "1", "--default-interval", "1s")).toBe(0);
  });

  for (const flags of [
    ["--concurrency", "0"],
    ["--concurrency=-3"],
    ["--default-interval", "0"],
    ["--default-interval", "500ms"],
    ["--default-timeout", "0s"],
    // Longer than a timer can wait (24.8 days): it would fire at once, every millisecond.
    ["--default-interval", "30d"],
    ["--default-timeout", "30d"],
    ["--watch-interval", "30d"],
  ]) {
    test(`${flags.join(" ")} is a usage error (exit 2)`, async () => {
      expect(await check(...flags)).toBe(2);
    });
  }
});
