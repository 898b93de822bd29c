/**
 * build.ts for every target: each artifact has the right executable header, its SHA256SUMS line
 * matches, archives exist per target, and a second build of the same commit is byte-identical.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { allTargets } from "../../lib/build/targets.ts";
import packageJson from "../../package.json" with { type: "json" };
import { run } from "../helpers/compiled.ts";

const root = resolve(import.meta.dir, "../..");
const version = packageJson.version;
let out = "";
let sums = new Map<string, string>();

function readSums(dir: string): Map<string, string> {
  const lines = readFileSync(join(dir, "SHA256SUMS"), "utf8").trim().split("\n");
  return new Map(lines.map((line) => line.split("  ").reverse() as [string, string]));
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "opsctl-dist-"));
  const result = await run(
    [process.execPath, "build.ts", "--targets", "all", "--tools", "opsctl", "--out", out],
    { cwd: root },
  );
  if (result.exitCode !== 0) throw new Error(`build.ts failed: ${result.stderr}`);
  sums = readSums(out);
}, 600_000);

// Every target is ~1.9 GB: freed as soon as this file is done, not at the end of the run.
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** What `file` would say, from the first bytes. */
function header(path: string): string {
  const bytes = readFileSync(path).subarray(0, 0x200);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) {
    const machine = view.getUint16(18, true);
    return machine === 0x3e ? "elf-x64" : machine === 0xb7 ? "elf-arm64" : `elf-${machine}`;
  }
  if (view.getUint32(0, true) === 0xfeedfacf) {
    const cpu = view.getUint32(4, true);
    return cpu === 0x01000007 ? "macho-x64" : cpu === 0x0100000c ? "macho-arm64" : `macho-${cpu}`;
  }
  if (bytes[0] === 0x4d && bytes[1] === 0x5a) {
    const pe = view.getUint32(0x3c, true);
    const machine = view.getUint16(pe + 4, true);
    return machine === 0x8664 ? "pe-x64" : machine === 0xaa64 ? "pe-arm64" : `pe-${machine}`;
  }
  return "unknown";
}

describe("every target", () => {
  test.each(allTargets.map((t) => [t.name, t] as const))(
    "%s: header, checksum, archive",
    (_name, target) => {
      const file = `opsctl-${version}-${target.name}${target.os === "windows" ? ".exe" : ""}`;
      const path = join(out, file);
      const expected = { linux: "elf", darwin: "macho", windows: "pe" }[target.os];
      expect(header(path)).toBe(`${expected}-${target.arch}`);
      const hash = new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");
      expect(sums.get(file)).toBe(hash);
      const archive = `opsctl-${version}-${target.name}.${target.os === "windows" ? "zip" : "tar.gz"}`;
      expect(statSync(join(out, archive)).size).toBeGreaterThan(1_000_000);
      expect(sums.get(archive)).toBeDefined();
    },
  );

  test("the host binary runs and the archive holds it with the README", async () => {
    const host = join(out, `opsctl-${version}-linux-x64`);
    expect((await run([host, "--version"])).stdout).toContain("target linux-x64");
    const list = await run(["tar", "tzf", join(out, `opsctl-${version}-linux-x64.tar.gz`)]);
    expect(list.stdout.trim().split("\n").sort()).toEqual([
      `opsctl-${version}-linux-x64/`,
      `opsctl-${version}-linux-x64/README.md`,
      `opsctl-${version}-linux-x64/opsctl`,
    ]);
  });

  test("a second build of the same commit gives the same checksums", async () => {
    const again = mkdtempSync(join(tmpdir(), "opsctl-dist2-"));
    const targets = "linux-x64,linux-arm64-musl,darwin-arm64,windows-x64";
    const result = await run(
      [process.execPath, "build.ts", "--targets", targets, "--tools", "opsctl", "--out", again],
      { cwd: root },
    );
    expect(result.exitCode).toBe(0);
    const second = readSums(again);
    rmSync(again, { recursive: true, force: true });
    expect(second.size).toBe(8);
    for (const [file, hash] of second) expect(`${file} ${sums.get(file)}`).toBe(`${file} ${hash}`);
  }, 300_000);
});
