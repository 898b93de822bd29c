/**
 * Long-running test servers tied to the test process. bun test runs no 'exit' hooks, so a small
 * sh watchdog holds a pipe from us and, when the pipe closes (the test process ended in any
 * way, even SIGKILL), kills the server and removes its directory.
 */
import type { Subprocess } from "bun";

const watchdogScript =
  '"$@" & child=$!; trap \'kill $child 2>/dev/null\' TERM INT; read -r _ignored; kill $child 2>/dev/null; wait $child 2>/dev/null; [ -n "$TIED_DIR" ] && rm -rf "$TIED_DIR"; exit 0';

export interface TiedOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Removed by the watchdog after the server is gone. */
  dir?: string;
}

/** Spawns `command` under the watchdog; stdout/stderr are piped. Close stdin (or kill) to stop it. */
export function spawnTied(
  command: string[],
  options: TiedOptions = {},
): Subprocess<"pipe", "pipe", "pipe"> {
  const proc = Bun.spawn(["/bin/sh", "-c", watchdogScript, "sh", ...command], {
    cwd: options.cwd,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...options.env, TIED_DIR: options.dir ?? "" } as Record<string, string>,
  });
  proc.unref();
  return proc;
}
