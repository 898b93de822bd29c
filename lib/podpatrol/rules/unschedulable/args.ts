import { checkKeys, readBoolean, readDuration } from "../args.ts";
import type { CommonArgs } from "../types.ts";

export interface UnschedulableArgs extends CommonArgs {
  /** Seconds a pod must have been Unschedulable before it is considered. */
  after: number;
}

export const unschedulableDefaults: UnschedulableArgs = { enabled: true, after: 300 };

export function validateUnschedulableArgs(
  raw: Record<string, unknown>,
  where: string,
): UnschedulableArgs {
  checkKeys(raw, ["enabled", "after"], where);
  return {
    enabled: readBoolean(raw, "enabled", unschedulableDefaults.enabled, where),
    after: readDuration(raw, "after", unschedulableDefaults.after, where),
  };
}
