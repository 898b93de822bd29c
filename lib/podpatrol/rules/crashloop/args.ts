import { checkKeys, readBoolean, readEnum, readInteger } from "../args.ts";
import type { CommonArgs } from "../types.ts";

export interface CrashLoopArgs extends CommonArgs {
  /** Act when a container waits in CrashLoopBackOff with at least this many restarts. */
  restarts: number;
  /** evict (through the Eviction API, honours PDBs) or delete (honours the grace period). */
  action: "evict" | "delete";
}

export const crashLoopDefaults: CrashLoopArgs = { enabled: true, restarts: 3, action: "evict" };

export function validateCrashLoopArgs(raw: Record<string, unknown>, where: string): CrashLoopArgs {
  checkKeys(raw, ["enabled", "restarts", "action"], where);
  const d = crashLoopDefaults;
  return {
    enabled: readBoolean(raw, "enabled", d.enabled, where),
    restarts: readInteger(raw, "restarts", d.restarts, where, 1),
    action: readEnum(raw, "action", d.action, ["evict", "delete"], where),
  };
}
