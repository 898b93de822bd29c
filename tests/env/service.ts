/**
 * Starts a real service for tests: on 127.0.0.1, a free port, stopped (with its temp dir
 * removed) by stop() or, if the test process dies first, by its watchdog (tests/env/tied.ts).
 */
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { spawnTied } from "./tied.ts";

export interface Service {
  name: string;
  proc: Subprocess;
  dir: string;
  stop(): Promise<void>;
  /** What the service wrote on stdout/stderr so far (for failure messages). */
  output(): string;
}

/** A port free right now on 127.0.0.1 (the kernel picks it). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `opsctl-${prefix}-`));
}

export interface StartOptions {
  name: string;
  command: string[];
  dir?: string;
  env?: Record<string, string>;
  /** Resolves when the service answers; polled until timeoutMs. */
  ready: () => Promise<boolean>;
  timeoutMs?: number;
}

export async function startService(options: StartOptions): Promise<Service> {
  const dir = options.dir ?? tempDir(options.name);
  let log = "";
  const proc = spawnTied(options.command, { cwd: dir, env: options.env, dir });
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) log = (log + decoder.decode(chunk)).slice(-20000);
  };
  // Piped: spawnTied's default output.
  void collect(proc.stdout as ReadableStream<Uint8Array>);
  void collect(proc.stderr as ReadableStream<Uint8Array>);
  const service: Service = {
    name: options.name,
    proc,
    dir,
    output: () => log,
    async stop() {
      // Closing the pipe tells the watchdog to stop the service and remove its directory.
      proc.stdin.end();
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 20000);
  while (Date.now() < deadline) {
    if (proc.exitCode !== null)
      throw new Error(`${options.name} exited with ${proc.exitCode}: ${log}`);
    if (await options.ready().catch(() => false)) return service;
    await Bun.sleep(50);
  }
  await service.stop();
  throw new Error(
    `${options.name} did not become ready in ${options.timeoutMs ?? 20000} ms: ${log}`,
  );
}

/** True when GET url answers 2xx. */
export async function httpReady(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
  return response.ok;
}
