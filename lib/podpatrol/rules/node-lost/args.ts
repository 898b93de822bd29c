import { checkKeys, readBoolean, readDuration } from "../args.ts";
import type { CommonArgs } from "../types.ts";

export interface NodeLostArgs extends CommonArgs {
  /** Seconds a node must be NotReady/Unknown before it is tainted NoSchedule and drained. */
  after: number;
  /** Evict the node's pods (Eviction API) once it is tainted. */
  evict: boolean;
  /**
   * Seconds after `after` to add the NoExecute taint too (0 = never). Kubernetes' taint manager
   * then deletes pods that do not tolerate it WITHOUT consulting PDBs, so it comes last.
   */
  noExecuteAfter: number;
}

export const nodeLostDefaults: NodeLostArgs = {
  enabled: true,
  after: 60,
  evict: true,
  noExecuteAfter: 600,
};

export function validateNodeLostArgs(raw: Record<string, unknown>, where: string): NodeLostArgs {
  checkKeys(raw, ["enabled", "after", "evict", "noExecuteAfter"], where);
  const d = nodeLostDefaults;
  return {
    enabled: readBoolean(raw, "enabled", d.enabled, where),
    after: readDuration(raw, "after", d.after, where),
    evict: readBoolean(raw, "evict", d.evict, where),
    noExecuteAfter: readDuration(raw, "noExecuteAfter", d.noExecuteAfter, where),
  };
}
