/** build.ts's own command line: --help and usage errors, before anything is built. */
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { run } from "../helpers/compiled.ts";

const root = resolve(import.meta.dir, "../..");

describe("bun build.ts", () => {
  test("--help prints the usage on stdout and exits 0", async () => {
    const result = await run([process.execPath, "build.ts", "--help"], { cwd: root });
    expect(result.exitCode).toBe(0);
    for (const flag of ["--targets", "--tools", "--out", "--variant", "--no-archives", "--jobs"])
      expect(result.stdout).toContain(flag);
  });

  test("an unknown flag is one line naming it, exit 2, no stack trace", async () => {
    const result = await run([process.execPath, "build.ts", "--bogus"], { cwd: root });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("--bogus");
    expect(result.stderr).not.toContain("    at ");
    expect(result.stdout).toBe("");
  });
});
