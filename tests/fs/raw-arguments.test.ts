/**
 * A root whose path is not UTF-8, given on the command line (argv arrives decoded lossily):
 * the compiled ffind and logclean must still find and clean exactly that directory.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { argumentBytes } from "../../lib/cli/raw-arguments.ts";
import { compiledTool } from "../helpers/compiled.ts";
import { differences, dir, file, snapshot, tempDir } from "./tree.ts";

let ffind: string;
let logclean: string;

beforeAll(async () => {
  [ffind, logclean] = await Promise.all([compiledTool("ffind"), compiledTool("logclean")]);
}, 300_000);

/** Runs BINARY ARGS... with "$DIR" replaced by BASE/app<0xff> (a shell makes the raw byte). */
function runWithRawDir(binary: string, base: string, args: string[]) {
  const script = `dir="$1/app$(printf '\\377')"; shift; bin="$1"; shift; exec "$bin" "$dir" "$@"`;
  const result = Bun.spawnSync(["sh", "-c", script, "sh", base, binary, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: base },
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr.toString() };
}

function rawWorld(name: string) {
  const base = tempDir(`raw-argument-${name}`);
  const raw = Buffer.concat([Buffer.from(`${base}/app`), Buffer.from([0xff])]);
  mkdirSync(raw);
  file(Buffer.concat([raw, Buffer.from("/old.log")]), 30);
  file(Buffer.concat([raw, Buffer.from("/new.log")]), 0);
  // Its lossy twin "app\uFFFD" (valid UTF-8) must never be taken for it.
  const twin = dir(join(base, "app\uFFFD"));
  file(join(twin, "old.log"), 30);
  return { base, raw, twin };
}

describe("path arguments that are not UTF-8", () => {
  test("argumentBytes: the raw argument behind a lossy text, never a real U+FFFD", () => {
    const raw = Buffer.from([0x61, 0xff, 0x62]);
    const args = [Buffer.from("tool"), raw, Buffer.from("plain")];
    expect(argumentBytes("a\uFFFDb", args)).toEqual(raw);
    expect(argumentBytes("plain", args)).toBe("plain");
    // Typed as U+FFFD itself: valid UTF-8, kept as text.
    expect(argumentBytes("x\uFFFD", [Buffer.from("x\uFFFD")])).toBe("x\uFFFD");
    // Two different raw arguments with the same lossy text: ambiguous, kept as text.
    expect(argumentBytes("a\uFFFDb", [raw, Buffer.from([0x61, 0xfe, 0x62])])).toBe("a\uFFFDb");
  });

  test("ffind walks the directory named by the raw bytes and prints them exactly", () => {
    const { base, raw } = rawWorld("ffind");
    const result = runWithRawDir(ffind, base, ["--name", "*.log", "--sort"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const expected = Buffer.concat([
      raw,
      Buffer.from("/new.log\n"),
      raw,
      Buffer.from("/old.log\n"),
    ]);
    expect(result.stdout.equals(expected)).toBe(true);
  });

  test("logclean cleans that directory, and not its lossy twin", () => {
    const { base, raw, twin } = rawWorld("logclean");
    const before = snapshot(twin);
    const result = runWithRawDir(logclean, base, ["--days", "7"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString()).toContain("deleted 1");
    expect(existsSync(Buffer.concat([raw, Buffer.from("/old.log")]))).toBe(false);
    expect(existsSync(Buffer.concat([raw, Buffer.from("/new.log")]))).toBe(true);
    expect(differences(before, snapshot(twin))).toEqual([]);
  });

  test("a root that is not UTF-8 and missing is refused by its name, exit 2", () => {
    const base = tempDir("raw-argument-missing");
    const result = runWithRawDir(logclean, base, ["--days", "7"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("app\uFFFD");
    expect(result.stderr).toContain("no such file or directory");
  });
});
