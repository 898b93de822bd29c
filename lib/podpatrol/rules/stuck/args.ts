import { checkKeys, readBoolean, readDuration } from "../args.ts";
import type { CommonArgs } from "../types.ts";

export interface StuckArgs extends CommonArgs {
  /** Seconds a scheduled pod may stay Pending (ContainerCreating, image pulls...). */
  pendingAfter: number;
  /** Seconds past its deletion deadline a Terminating pod may linger. */
  terminatingAfter: number;
  /** Force delete (grace 0) a Terminating pod whose node is lost. Off unless asked for. */
  forceDeleteOnLostNode: boolean;
}

export const stuckDefaults: StuckArgs = {
  enabled: true,
  pendingAfter: 900,
  terminatingAfter: 600,
  forceDeleteOnLostNode: false,
};

export function validateStuckArgs(raw: Record<string, unknown>, where: string): StuckArgs {
  checkKeys(raw, ["enabled", "pendingAfter", "terminatingAfter", "forceDeleteOnLostNode"], where);
  const d = stuckDefaults;
  return {
    enabled: readBoolean(raw, "enabled", d.enabled, where),
    pendingAfter: readDuration(raw, "pendingAfter", d.pendingAfter, where),
    terminatingAfter: readDuration(raw, "terminatingAfter", d.terminatingAfter, where),
    forceDeleteOnLostNode: readBoolean(
      raw,
      "forceDeleteOnLostNode",
      d.forceDeleteOnLostNode,
      where,
    ),
  };
}
