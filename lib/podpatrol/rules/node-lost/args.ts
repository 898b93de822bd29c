import { ConfigError } from "../../../cli/errors.ts";
import { checkKeys, readBoolean, readDuration, readInteger, readNumber } from "../args.ts";
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
  /**
   * Mass-loss guard (kube-controller-manager's --unhealthy-zone-threshold): when at least this
   * fraction of the nodes is NotReady/Unknown, and at least `unhealthyMinNodes` of them, the
   * cause is likely not the nodes (a partition, an API server outage, a zone down): node-lost
   * takes no new action until fewer are.
   */
  unhealthyThreshold: number;
  /**
   * Fewer NotReady nodes than this never trip the guard: one lost node is always handled (a
   * 2-node cluster moves the pods of one lost node, holds when both are lost).
   */
  unhealthyMinNodes: number;
}

export const nodeLostDefaults: NodeLostArgs = {
  enabled: true,
  after: 60,
  evict: true,
  noExecuteAfter: 600,
  unhealthyThreshold: 0.55,
  unhealthyMinNodes: 2,
};

export function validateNodeLostArgs(raw: Record<string, unknown>, where: string): NodeLostArgs {
  checkKeys(
    raw,
    ["enabled", "after", "evict", "noExecuteAfter", "unhealthyThreshold", "unhealthyMinNodes"],
    where,
  );
  const d = nodeLostDefaults;
  return {
    enabled: readBoolean(raw, "enabled", d.enabled, where),
    after: readDuration(raw, "after", d.after, where),
    evict: readBoolean(raw, "evict", d.evict, where),
    noExecuteAfter: readDuration(raw, "noExecuteAfter", d.noExecuteAfter, where),
    unhealthyThreshold: readThreshold(raw, where),
    unhealthyMinNodes: readInteger(raw, "unhealthyMinNodes", d.unhealthyMinNodes, where, 1),
  };
}

/** A fraction above 0 (0 would hold node-lost forever) and at most 1. */
function readThreshold(raw: Record<string, unknown>, where: string): number {
  const value = readNumber(
    raw,
    "unhealthyThreshold",
    nodeLostDefaults.unhealthyThreshold,
    where,
    0,
    1,
  );
  if (value === 0)
    throw new ConfigError(
      `${where}.unhealthyThreshold: expected a fraction above 0 and at most 1, got 0`,
    );
  return value;
}
