// Runs the compiled podpatrol binary against the test cluster and reads its JSON logs and
// /metrics, so the integration tests exercise exactly what users run.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledTool } from "../helpers/compiled.ts";

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface PatrolProcess {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  logs: LogLine[];
  port: number;
  waitForLog(
    what: string,
    predicate: (line: LogLine) => boolean,
    timeoutMs?: number,
  ): Promise<LogLine>;
  metrics(): Promise<string>;
  /** Value of one sample, e.g. metric('opsctl_podpatrol_actions_total', {rule: "crashloop"}). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<number>;
}

const running = new Set<Bun.Subprocess>();
process.on("exit", () => {
  for (const proc of running) proc.kill("SIGKILL");
});

/** A temp config file with a podpatrol section. */
export function writeConfig(section: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "podpatrol-config-"));
  const file = join(dir, "config.yaml");
  writeSection(file, section);
  return file;
}

/**
 * Rewrites `file` (one from writeConfig) with a new podpatrol section and sends SIGHUP, as an
 * operator reloads it. Does not wait: the test waits for the outcome it expects (reloaded,
 * not reloaded, stepped down).
 */
export function reloadConfig(
  patrol: PatrolProcess,
  file: string,
  section: Record<string, unknown>,
): void {
  writeSection(file, section);
  patrol.proc.kill("SIGHUP");
}

function writeSection(file: string, section: Record<string, unknown>): void {
  writeFileSync(file, JSON.stringify({ podpatrol: section }));
}

/** kubeconfig undefined: no --kubeconfig flag (in-cluster config from `env`). */
export async function startPatrol(
  kubeconfig: string | undefined,
  args: string[],
  env: Record<string, string> = {},
): Promise<PatrolProcess> {
  const bin = await compiledTool("podpatrol");
  const kubeconfigFlag = kubeconfig === undefined ? [] : [`--kubeconfig=${kubeconfig}`];
  const proc = Bun.spawn(
    [bin, ...kubeconfigFlag, "--listen=127.0.0.1:0", "--log-format=json", ...args],
    {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    },
  );
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of proc.stderr) {
      pending += decoder.decode(chunk, { stream: true });
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (process.env.PODPATROL_TEST_LOGS === "1")
          process.stderr.write(`[podpatrol ${proc.pid}] ${line}\n`);
        try {
          logs.push(JSON.parse(line) as LogLine);
        } catch {
          logs.push({ level: "raw", msg: line });
        }
        for (const wake of waiters) wake();
        nl = pending.indexOf("\n");
      }
    }
  })();

  const waitForLog = async (
    what: string,
    predicate: (line: LogLine) => boolean,
    timeoutMs = 30_000,
  ) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = logs.find(predicate);
      if (found) return found;
      if (proc.exitCode !== null) break;
      await new Promise<void>((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
        setTimeout(wake, 200);
      });
    }
    throw new Error(
      `podpatrol: no log line "${what}" within ${timeoutMs / 1000}s (exit ${proc.exitCode}); last lines:\n${logs
        .slice(-15)
        .map((l) => JSON.stringify(l))
        .join("\n")}`,
    );
  };

  const serving = await waitForLog("serving", (l) => String(l.msg).startsWith("serving /metrics"));
  const port = Number(String(serving.address).split(":").pop());
  const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return {
    proc,
    logs,
    port,
    waitForLog,
    metrics,
    async metric(name, labels = {}) {
      const text = await metrics();
      let total = 0;
      for (const line of text.split("\n")) {
        if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
        const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
        if (ok) total += Number(line.split(" ").pop());
      }
      return total;
    },
    async stop() {
      proc.kill("SIGTERM");
      return await proc.exited;
    },
  };
}

/** Waits until /readyz answers 200 (caches synced). */
export async function waitReady(patrol: PatrolProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`http://127.0.0.1:${patrol.port}/readyz`).catch(() => undefined);
    if (response?.status === 200) return;
    await Bun.sleep(100);
  }
  throw new Error("podpatrol /readyz never became ready");
}
