import { checkKeys, readBoolean, readDuration } from "../args.ts";
import type { CommonArgs } from "../types.ts";

export interface FailedArgs extends CommonArgs {
  /** Seconds a Failed/Evicted pod is kept for inspection before it is deleted. */
  after: number;
}

export const failedDefaults: FailedArgs = { enabled: true, after: 3600 };

export function validateFailedArgs(raw: Record<string, unknown>, where: string): FailedArgs {
  checkKeys(raw, ["enabled", "after"], where);
  return {
    enabled: readBoolean(raw, "enabled", failedDefaults.enabled, where),
    after: readDuration(raw, "after", failedDefaults.after, where),
  };
}
