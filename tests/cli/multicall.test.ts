import { beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, copyFileSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledTool, run } from "../helpers/compiled.ts";

let multicall = "";
const env = { PATH: process.env.PATH };

beforeAll(async () => {
  multicall = await compiledTool("opsctl-fixture", "tests/fixtures/multicall.ts");
}, 300_000);

describe("multi-call dispatch (compiled)", () => {
  test("by subcommand: opsctl TOOL args", async () => {
    const result = await run([multicall, "logclean", "a", "--json"], { env });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).items).toEqual(["a"]);
  });

  test("by file name: a symlink, and a copy with a version suffix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opsctl-links-"));
    symlinkSync(multicall, join(dir, "logclean"));
    copyFileSync(multicall, join(dir, "logclean-0.1.0-linux-x64"));
    Bun.spawnSync(["chmod", "+x", join(dir, "logclean-0.1.0-linux-x64")]);
    for (const name of ["logclean", "logclean-0.1.0-linux-x64"]) {
      const result = await run([join(dir, name), "a", "b", "--json"], { env });
      expect(result.exitCode).toBe(0);
      expect(JSON.parse(result.stdout).items).toEqual(["a", "b"]);
    }
    const help = await run([join(dir, "logclean"), "--help"], { env });
    expect(help.stdout).toContain("USAGE logclean");
  });

  test("unknown command is a usage error listing the commands", async () => {
    const result = await run([multicall, "nosuchtool"], { env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('unknown command "nosuchtool" (commands: logclean, config)');
  });

  test("config show prints each setting's value and source", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "opsctl-show-"));
    writeFileSync(join(cwd, "opsctl.yaml"), "logclean:\n  days: 30\n");
    const result = await run([multicall, "config", "show", "--json"], {
      cwd,
      env: { ...env, OPSCTL_LOGCLEAN_MIN_SIZE: "1M" },
    });
    expect(result.exitCode).toBe(0);
    const [entry] = JSON.parse(result.stdout);
    const byKey = Object.fromEntries(entry.settings.map((s: { key: string }) => [s.key, s]));
    expect(byKey.days).toMatchObject({ value: 30, source: { kind: "file", key: "logclean.days" } });
    expect(byKey.minSize).toMatchObject({
      value: 1048576,
      source: { kind: "env", name: "OPSCTL_LOGCLEAN_MIN_SIZE" },
    });
    expect(byKey.match).toMatchObject({ value: ["*.log"], source: { kind: "default" } });
    const unknown = await run([multicall, "config", "show", "nosuch"], { cwd, env });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('config show: unknown tool "nosuch"');
    const text = await run([multicall, "config", "show"], { cwd, env });
    expect(text.stdout).toMatch(/days\s+30\s+file .*opsctl\.yaml \(logclean\.days\)/);
  });

  test("config show never prints a URL's password (its output gets pasted into tickets)", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "opsctl-show-secret-"));
    const secretEnv = { ...env, OPSCTL_METRICS_PUSH: "http://ops:s3cr3t@127.0.0.1:9091/" };
    for (const args of [["--json"], []]) {
      const result = await run([multicall, "config", "show", ...args], { cwd, env: secretEnv });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain("http://ops:xxxxx@127.0.0.1:9091/");
      expect(result.stdout).not.toContain("s3cr3t");
    }
  });

  test("opsctl --completion covers subcommands", async () => {
    const result = await run([multicall, "--completion", "bash"], { env });
    expect(result.stdout).toContain("logclean)");
    expect(Bun.spawnSync(["bash", "-n"], { stdin: new Blob([result.stdout]) }).exitCode).toBe(0);
  });
});

describe("the real opsctl (compiled)", () => {
  let opsctl = "";
  beforeAll(async () => {
    opsctl = await compiledTool("opsctl");
  }, 300_000);

  test("lists every tool and dispatches to each by subcommand", async () => {
    const help = await run([opsctl, "--help"], { env });
    expect(help.exitCode).toBe(0);
    for (const tool of ["logclean", "ffind", "sshping", "nginxlog", "podpatrol", "exporter"]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${tool}\\s+\\S`, "m"));
      const version = await run([opsctl, tool, "--version"], { env });
      expect(version.stdout).toStartWith(`${tool} `);
    }
  });

  test("a link named ffind does ffind's work", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opsctl-real-"));
    writeFileSync(join(dir, "a.log"), "x");
    writeFileSync(join(dir, "b.txt"), "y");
    symlinkSync(opsctl, join(dir, "ffind"));
    const result = await run([join(dir, "ffind"), dir, "--name", "*.log"], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim().split("\n")).toEqual([join(dir, "a.log")]);
  });
});

describe("nginxlog inside the multi-call opsctl", () => {
  test("splits a large file over Workers (they restart opsctl) and counts every line", async () => {
    const opsctl = await compiledTool("opsctl");
    const dir = mkdtempSync(join(tmpdir(), "opsctl-mc-nginx-"));
    const path = join(dir, "access.log");
    const lines: string[] = [];
    for (let i = 0; i < 20000; i++) {
      lines.push(
        `10.1.${i % 250}.${i % 7} - - [01/Jan/2026:00:00:${String(i % 60).padStart(2, "0")} +0000] "GET /p/${i % 300} HTTP/1.1" ${i % 10 === 0 ? 500 : 200} 512 "-" "bench/1.0"\n`,
      );
    }
    const block = lines.join("");
    writeFileSync(path, "");
    // ~60 MB: two Worker ranges with --min-range 16M.
    for (let i = 0; i < 40; i++) appendFileSync(path, block);
    const result = await run(
      [
        opsctl,
        "nginxlog",
        path,
        "--threads",
        "2",
        "--min-range",
        "16M",
        "--json",
        "--log-level",
        "debug",
        "--log-format",
        "json",
      ],
      { env },
    );
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/"msg":"source analysed".*"ranges":2/);
    expect(JSON.parse(result.stdout).overview.requests).toBe(800000);
  }, 120_000);
});

describe("tool lists", () => {
  test("opsctl's table and the config file's sections name the same tools", async () => {
    const { tools } = await import("../../scripts/opsctl.ts");
    const { toolNames } = await import("../../lib/cli/tool-names.ts");
    expect(Object.keys(tools).sort()).toEqual([...toolNames].sort());
  });
});
