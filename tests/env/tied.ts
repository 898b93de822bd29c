/**
 * Long-running test servers tied to the test process. bun test runs no 'exit' hooks, so a small
 * sh watchdog holds a pipe from us and, when the pipe closes (the test process ended in any
 * way, even SIGKILL), kills the server and removes its directory.
 */
import type { Subprocess } from "bun";

const watchdogScript =
  '"$@" & child=$!; trap \'kill $child 2>/dev/null\' TERM INT; read -r _ignored; kill $child 2>/dev/null; wait $child 2>/dev/null; [ -n "$TIED_DIR" ] && rm -rf "$TIED_DIR"; exit 0';

type Output = "pipe" | "ignore" | ReturnType<typeof Bun.file>;

export interface TiedOptions {
  cwd?: string;
  /** Where the server's stdout and stderr go (default: pipes). */
  output?: Output;
  env?: Record<string, string | undefined>;
  /** Removed by the watchdog after the server is gone. */
  dir?: string;
}

/** Spawns `command` under the watchdog. Close its stdin, or SIGTERM it, to stop the server. */
export function spawnTied(command: string[], options: TiedOptions = {}): Subprocess<"pipe"> {
  const output = options.output ?? "pipe";
  const proc = Bun.spawn(["/bin/sh", "-c", watchdogScript, "sh", ...command], {
    cwd: options.cwd,
    stdin: "pipe",
    stdout: output,
    stderr: output,
    env: { ...process.env, ...options.env, TIED_DIR: options.dir ?? "" } as Record<string, string>,
  });
  // A script that is done may exit with its servers still running (they die with it).
  proc.unref();
  return proc;
}
