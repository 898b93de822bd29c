/**
 * Runs an inventory script so that stopping it stops everything it started: the script leads its
 * own process group (setsid), and a time limit, an output limit or an abort kills that whole
 * group. Killing the script alone left its children (the cloud CLI it waits on) running.
 */
import { killProcessGroup } from "../../cli/process-group.ts";

export interface ScriptLimits {
  /** The run is killed after this long. */
  timeoutMs: number;
  /** A run writing more than this (stdout or stderr) is killed: a runaway script, not a listing. */
  maxOutputBytes: number;
  /** sshping's own stop (Ctrl-C, SIGTERM): the running script and its children are killed. */
  signal?: AbortSignal;
}

/** Why the run was cut short, if it was. */
export type ScriptStop = "timeout" | "output" | "aborted";

export interface ScriptProcessResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signalCode: string | null;
  stopped?: ScriptStop;
}

/** Spawns argv (no shell); an ENOENT or ENOEXEC from the spawn itself is thrown as it comes. */
export async function runScriptProcess(
  argv: string[],
  limits: ScriptLimits,
): Promise<ScriptProcessResult> {
  const child = Bun.spawn(argv, {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
  });
  let stopped: ScriptStop | undefined;
  const readers = [child.stdout.getReader(), child.stderr.getReader()];
  const stop = (why: ScriptStop) => {
    if (stopped) return;
    stopped = why;
    // SIGKILL: a listing has nothing to save.
    killProcessGroup(child.pid);
    // A process that left the group may still hold the pipes: stop waiting for them.
    for (const reader of readers) reader.cancel().catch(() => {});
  };
  const timer = setTimeout(() => stop("timeout"), limits.timeoutMs);
  const onAbort = () => stop("aborted");
  limits.signal?.addEventListener("abort", onAbort, { once: true });
  if (limits.signal?.aborted) onAbort();
  try {
    const [stdout = "", stderr = ""] = await Promise.all(
      readers.map((reader) => readCapped(reader, limits.maxOutputBytes, () => stop("output"))),
    );
    await child.exited;
    return {
      stdout,
      stderr,
      exitCode: child.exitCode,
      signalCode: child.signalCode === null ? null : String(child.signalCode),
      ...(stopped ? { stopped } : {}),
    };
  } finally {
    clearTimeout(timer);
    limits.signal?.removeEventListener("abort", onAbort);
  }
}

/** A stream's text up to `max` bytes; past it, `over` is called and reading stops. */
async function readCapped(
  reader: { read(): Promise<{ done: boolean; value?: Uint8Array | undefined }> },
  max: number,
  over: () => void,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || !value) break;
      size += value.byteLength;
      if (size > max) {
        over();
        break;
      }
      chunks.push(value);
    }
  } catch {
    // Cancelled by a stop: what was read is kept.
  }
  return Buffer.concat(chunks).toString("utf8");
}
