/**
 * A child spawned with `detached: true` leads its own process group (setsid); killing the group
 * stops what it started too. Shared by the exporter's command check and sshping's inventory script.
 */

/** SIGKILL to the whole group: stopping must be certain. Nothing if it is already gone. */
export function killProcessGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the whole group is already gone.
  }
}
