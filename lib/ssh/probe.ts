import type { Duplex } from "node:stream";
import type { Client } from "ssh2";
import { maxTimerSeconds } from "../cli/values.ts";
import { withSpan } from "../telemetry/span.ts";
import { type CommandResult, IncompleteCommand, runCommand } from "./command.ts";
import { ProbeFailure, type ProbePhase, type ProbeStatus } from "./failure.ts";
import { type JumpPool, openJumpChain } from "./jumps.ts";
import type { ConnectionPlan } from "./plan.ts";
import { openSession, type SessionContext } from "./session.ts";
import { connectTcp, forwardThrough } from "./transport.ts";

export interface ProbeOptions extends SessionContext {
  /** Command to run; undefined = ping (connect and authenticate only). */
  command?: string;
  commandTimeoutMs: number;
  /** Per stream; the rest is counted, not kept. */
  maxOutputBytes: number;
  /** Extra attempts after a connection-level failure (never after auth, host key or command). */
  retries: number;
  /** First backoff; doubles per attempt, with jitter. */
  retryBackoffMs: number;
  /** Shares jump-host connections between targets; without it each probe opens its own. */
  jumpPool?: JumpPool;
}

export interface ProbeResult {
  name: string;
  spec: string;
  host: string;
  port: number;
  user: string;
  status: ProbeStatus;
  /** Where it failed. */
  phase?: ProbePhase;
  error?: string;
  /** Connect + SSH handshake + authentication of the last attempt, milliseconds. */
  latencyMs?: number;
  connectMs?: number;
  commandMs?: number;
  exitCode?: number | null;
  signal?: string;
  stdout?: string;
  stderr?: string;
  truncatedBytes?: number;
  /**
   * The command started but did not finish (timed out, cancelled, connection lost): stdout and
   * stderr hold what it had sent by then, and error says why.
   */
  outputIncomplete?: boolean;
  attempts: number;
  /** known_hosts file a new key was written to (accept-new). */
  hostKeyAdded?: string;
  serverVersion?: string;
}

/**
 * Probes one host: connect (directly or through ProxyJump), verify its host key, authenticate,
 * optionally run a command. Never throws, never hangs: every phase has a deadline, and the
 * signal cancels at once. The engine of `sshping` and of the exporter's SSH check.
 */
export function probeHost(
  plan: ConnectionPlan,
  options: ProbeOptions,
  signal: AbortSignal,
): Promise<ProbeResult> {
  // One span per host (a no-op without OTLP), failures recorded with their phase.
  return withSpan(
    "ssh probe",
    {
      "opsctl.host": plan.name,
      "server.address": plan.host,
      "server.port": plan.port,
      "user.name": plan.user,
      "opsctl.ssh.command": options.command !== undefined,
    },
    async (span) => {
      const result = await probeHostUntraced(plan, options, signal);
      span.setAttributes({
        "opsctl.ssh.status": result.status,
        "opsctl.ssh.phase": result.phase,
        "opsctl.ssh.attempts": result.attempts,
        "opsctl.ssh.latency_ms": result.latencyMs,
        "opsctl.ssh.exit_code": result.exitCode,
      });
      if (result.status !== "ok")
        span.fail(`${result.phase ?? "probe"}: ${result.error ?? result.status}`);
      return result;
    },
    { kind: "client" },
  );
}

async function probeHostUntraced(
  plan: ConnectionPlan,
  options: ProbeOptions,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const base = {
    name: plan.name,
    spec: plan.spec,
    host: plan.host,
    port: plan.port,
    user: plan.user,
  };
  if (plan.unsupported)
    return {
      ...base,
      status: "unreachable",
      phase: "connect",
      error: plan.unsupported,
      attempts: 0,
    };
  let attempts = 0;
  let hostKeyAdded: string | undefined;
  const context: SessionContext = {
    ...options,
    onHostKeyAdded: (hop, file) => {
      if (hop === plan) hostKeyAdded = file;
      options.onHostKeyAdded?.(hop, file);
    },
  };
  for (;;) {
    attempts++;
    const timings: { connectMs?: number; latencyMs?: number } = {};
    try {
      const outcome = await attempt(plan, options, context, signal, timings);
      const result: ProbeResult = {
        ...base,
        status: "ok",
        attempts,
        ...timings,
        ...(hostKeyAdded ? { hostKeyAdded } : {}),
        ...(outcome.serverVersion ? { serverVersion: outcome.serverVersion } : {}),
      };
      if (outcome.command) {
        const { command, ms } = outcome.command;
        Object.assign(result, {
          commandMs: ms,
          exitCode: command.exitCode,
          stdout: command.stdout,
          stderr: command.stderr,
          ...(command.signal ? { signal: command.signal } : {}),
          ...(command.truncatedBytes ? { truncatedBytes: command.truncatedBytes } : {}),
        });
        if (command.exitCode !== 0) {
          result.status = "failed";
          result.phase = "command";
          result.error = command.signal
            ? `killed by signal ${command.signal}`
            : `exit code ${command.exitCode}`;
        }
      }
      return result;
    } catch (error) {
      const failure =
        error instanceof ProbeFailure
          ? error
          : new ProbeFailure(
              "unreachable",
              "connect",
              (error as Error)?.message ?? String(error),
              false,
            );
      const canRetry = failure.retryable && attempts <= options.retries && !signal.aborted;
      if (canRetry && (await backoff(options.retryBackoffMs, attempts, signal))) continue;
      return {
        ...base,
        status: signal.aborted ? "cancelled" : failure.status,
        phase: failure.phase,
        error: signal.aborted ? "cancelled" : failure.message,
        attempts,
        ...timings,
        ...(hostKeyAdded ? { hostKeyAdded } : {}),
        ...(failure instanceof IncompleteCommand ? partialOutput(failure) : {}),
      };
    }
  }
}

/** What an unfinished command had printed, as result fields. */
function partialOutput(failure: IncompleteCommand): Partial<ProbeResult> {
  const { stdout, stderr, truncatedBytes } = failure.output;
  return {
    stdout,
    stderr,
    ...(truncatedBytes ? { truncatedBytes } : {}),
    outputIncomplete: true,
  };
}

interface AttemptOutcome {
  serverVersion: string | undefined;
  command?: { command: CommandResult; ms: number };
}

async function attempt(
  plan: ConnectionPlan,
  options: ProbeOptions,
  context: SessionContext,
  signal: AbortSignal,
  timings: { connectMs?: number; latencyMs?: number },
): Promise<AttemptOutcome> {
  const started = performance.now();
  let privateJumps: Client[] = [];
  let client: Client | undefined;
  try {
    let stream: Duplex;
    if (plan.jumps.length > 0) {
      let jump: Client;
      if (options.jumpPool) jump = await options.jumpPool.acquire(plan.jumps);
      else {
        privateJumps = await openJumpChain(plan.jumps, context, signal);
        jump = privateJumps[privateJumps.length - 1] as Client;
      }
      const lastJump = plan.jumps[plan.jumps.length - 1]?.label ?? "";
      stream = await forwardThrough(
        jump,
        lastJump,
        plan.host,
        plan.port,
        plan.connectTimeoutMs,
        signal,
      );
    } else {
      stream = await connectTcp(plan.host, plan.port, plan.connectTimeoutMs, signal);
    }
    timings.connectMs = round(performance.now() - started);
    const session = await openSession(plan, stream, context, signal);
    client = session.client;
    timings.latencyMs = round(performance.now() - started);
    if (options.command === undefined) return { serverVersion: session.serverVersion };
    const commandStarted = performance.now();
    const command = await runCommand(
      client,
      options.command,
      options.commandTimeoutMs,
      options.maxOutputBytes,
      signal,
    );
    return {
      serverVersion: session.serverVersion,
      command: { command, ms: round(performance.now() - commandStarted) },
    };
  } finally {
    if (client) {
      client.on("error", () => {});
      client.end();
      // end() waits for the server; destroy soon after so a stuck peer cannot keep a socket.
      const toDestroy = client;
      setTimeout(() => toDestroy.destroy(), 2000).unref();
    }
    for (const jump of privateJumps.reverse()) jump.end();
  }
}

/**
 * base * 2^(n-1) with +-25% jitter (`random` in [0, 1)), at most what a timer can wait (24.8
 * days): past it a timer fires at once, and the doubling gets there after a few dozen attempts.
 */
export function retryDelayMs(baseMs: number, attempt: number, random = Math.random()): number {
  return Math.min(baseMs * 2 ** (attempt - 1) * (0.75 + random * 0.5), maxTimerSeconds * 1000);
}

/** Sleeps retryDelayMs; false if cancelled meanwhile. */
function backoff(baseMs: number, attempt: number, signal: AbortSignal): Promise<boolean> {
  const delay = retryDelayMs(baseMs, attempt);
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, delay);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
