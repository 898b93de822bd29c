/** Whether a local process is gone, for tests that check nothing is left running. */
import { readFileSync } from "node:fs";

/** Alive and not a zombie (a killed process not yet reaped still answers kill -0). */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Waits (up to 10 s, far beyond what a killed process needs) for it to go; true if it went. */
export async function ended(pid: number): Promise<boolean> {
  for (let waited = 0; waited < 10_000 && running(pid); waited += 50) await Bun.sleep(50);
  return !running(pid);
}
