// Scheduled but Pending (ContainerCreating...) longer than T: delete. Terminating longer than T
// past its deadline: only when its node is lost, and only with forceDeleteOnLostNode, force
// delete it (a live kubelet may still be stopping it; force deleting then risks two copies).
import { condition, timeOf } from "../../kube-types.ts";
import type { PodRule, Verdict } from "../types.ts";
import { type StuckArgs, stuckDefaults, validateStuckArgs } from "./args.ts";

export const stuckRule: PodRule<StuckArgs> = {
  name: "stuck",
  description:
    "Pending/ContainerCreating or Terminating longer than T (force delete on a lost node only when enabled)",
  defaults: stuckDefaults,
  validate: validateStuckArgs,
  evaluate(pod, args, ctx): Verdict {
    const deadline = timeOf(pod.metadata.deletionTimestamp);
    if (deadline !== undefined) {
      const due = deadline + args.terminatingAfter * 1000;
      if (ctx.now < due) return { kind: "wait", until: due };
      const node = pod.spec?.nodeName;
      const stuckFor = Math.round((ctx.now - deadline) / 1000);
      if (!node || !ctx.nodeLost(node)) {
        return {
          kind: "hold",
          reason: "terminating-node-alive",
          message: `Terminating ${stuckFor}s past its deadline but node ${node ?? "(none)"} is not lost; its kubelet owns the shutdown`,
        };
      }
      if (!args.forceDeleteOnLostNode) {
        return {
          kind: "hold",
          reason: "force-delete-disabled",
          message: `Terminating ${stuckFor}s past its deadline on lost node ${node}; force delete needs stuck.forceDeleteOnLostNode`,
        };
      }
      // Most nodes "lost" at once is a partition, not dead kubelets: force deleting then would
      // start second copies of pods that are still running (StatefulSets: two writers).
      const massLoss = ctx.massNodeLoss?.();
      if (massLoss) return { kind: "hold", reason: "mass-node-loss", message: massLoss };
      return {
        kind: "act",
        action: "force-delete",
        since: due,
        reason: `Terminating ${stuckFor}s past its deadline on lost node ${node}`,
      };
    }
    if (pod.status?.phase !== "Pending") return { kind: "healthy" };
    // Scheduled: PodScheduled=True, or bound directly through spec.nodeName (no condition yet).
    const scheduled = condition(pod, "PodScheduled");
    if (scheduled ? scheduled.status !== "True" : !pod.spec?.nodeName) return { kind: "healthy" };
    const since =
      timeOf(scheduled?.lastTransitionTime) ?? timeOf(pod.metadata.creationTimestamp) ?? ctx.now;
    const due = since + args.pendingAfter * 1000;
    if (ctx.now < due) return { kind: "wait", until: due };
    const waiting = pod.status.containerStatuses?.find((s) => s.state?.waiting)?.state?.waiting
      ?.reason;
    return {
      kind: "act",
      action: "delete",
      since: due,
      reason: `Pending${waiting ? ` (${waiting})` : ""} for ${Math.round((ctx.now - since) / 1000)}s after scheduling`,
    };
  },
};
