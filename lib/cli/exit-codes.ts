/** Exit codes every opsctl tool shares; scripts and cron jobs rely on them. */
export const ExitCode = {
  ok: 0,
  /** The tool ran but something failed (a host down, a file not deleted, a check failing). */
  failure: 1,
  /** Usage or configuration error: nothing was done. */
  usage: 2,
  /** Some targets were unreachable (sshping, as Ansible does). */
  unreachable: 4,
  /** Stopped by Ctrl-C (SIGINT) after a clean stop. */
  interrupted: 130,
  /**
   * Stopped by SIGTERM (128+15) after a clean stop; a run whose normal end is SIGTERM (a daemon:
   * ToolSpec.runsUntilStopped) exits with its own code.
   */
  terminated: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode] | number;
