/** Shared set-up for the sshping integration tests: the compiled binary, a clean HOME, files. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SshdFleet } from "../env/sshd.ts";
import { compiledTool, type RunResult, run } from "../helpers/compiled.ts";

export interface Workspace {
  dir: string;
  home: string;
  file(name: string, content: string, mode?: number): string;
  /** Runs the compiled sshping with a clean environment (HOME=dir/home, no agent). */
  sshping(args: string[], env?: Record<string, string>): Promise<RunResult>;
  /** Starts it the same way without waiting, for a test that reads its output live or signals it. */
  spawn(args: string[]): Promise<Bun.Subprocess<"ignore", "pipe", "pipe">>;
}

export function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), "sshping-test-"));
  const home = join(dir, "home");
  const cleanEnv = (env: Record<string, string> = {}) => ({
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    ...env,
  });
  const ws: Workspace = {
    dir,
    home,
    file(name, content, mode = 0o644) {
      const path = join(dir, name);
      writeFileSync(path, content, { mode });
      return path;
    },
    async sshping(args, env = {}) {
      const bin = await compiledTool("sshping");
      return run([bin, ...args], { cwd: dir, env: cleanEnv(env) });
    },
    async spawn(args) {
      const bin = await compiledTool("sshping");
      return Bun.spawn([bin, ...args], {
        cwd: dir,
        env: cleanEnv(),
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
    },
  };
  return ws;
}

/** "user@addr:port" for every host of a fleet. */
export function hostSpecs(fleet: SshdFleet): string[] {
  return fleet.hosts.map((host) => `${fleet.user}@${host.address}:${host.port}`);
}

/** Parses NDJSON output into host records and the summary. */
export function parseJson(stdout: string): {
  hosts: Record<string, unknown>[];
  summary: Record<string, unknown>;
} {
  const records = stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    hosts: records.filter((record) => record.type === "host"),
    summary: records.find((record) => record.type === "summary") ?? {},
  };
}

export function statusByHost(hosts: Record<string, unknown>[]): Record<string, string> {
  return Object.fromEntries(hosts.map((host) => [String(host.address), String(host.status)]));
}
