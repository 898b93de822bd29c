// A node NotReady/Unknown longer than T: taint it NoSchedule, evict its pods through the
// Eviction API, later add NoExecute; remove our taints when it is Ready again.
import { condition, type Node, timeOf } from "../../kube-types.ts";
import type { NodeRule, NodeVerdict } from "../types.ts";
import { type NodeLostArgs, nodeLostDefaults, validateNodeLostArgs } from "./args.ts";

/** Our taint key: we only ever add or remove taints with this key. */
export const NODE_LOST_TAINT = "opsctl.io/node-lost";

export function hasOurTaint(node: Node): boolean {
  return (node.spec?.taints ?? []).some((t) => t.key === NODE_LOST_TAINT);
}

export const nodeLostRule: NodeRule<NodeLostArgs> = {
  name: "node-lost",
  description:
    "node NotReady/Unknown longer than T: taint NoSchedule, evict its pods, NoExecute later, untaint on recovery",
  defaults: nodeLostDefaults,
  validate: validateNodeLostArgs,
  evaluate(node, args, ctx): NodeVerdict {
    const ready = condition(node, "Ready");
    if (!ready || ready.status === "True")
      return hasOurTaint(node) ? { kind: "recovered" } : { kind: "healthy" };
    // A NotReady transition is stamped by the kubelet's clock: one running behind would make a
    // transition seen just now look old and skip the grace period. Never older than seen here.
    const stamped = timeOf(ready.lastTransitionTime) ?? ctx.now;
    const since = Math.max(stamped, ctx.notReadySeen?.(node.metadata.name) ?? stamped);
    const due = since + args.after * 1000;
    if (ctx.now < due) return { kind: "wait", until: due };
    const massLoss = massNodeLoss(args, ctx.nodeCounts?.());
    if (massLoss) return { kind: "hold", reason: "mass-node-loss", message: massLoss };
    const effects = ["NoSchedule"];
    const noExecuteDue = due + args.noExecuteAfter * 1000;
    if (args.noExecuteAfter > 0 && ctx.now >= noExecuteDue) effects.push("NoExecute");
    const verdict: NodeVerdict = {
      kind: "lost",
      since: due,
      effects,
      evict: args.evict,
      reason: `Ready=${ready.status} for ${Math.round((ctx.now - since) / 1000)}s (threshold ${args.after}s)`,
    };
    return verdict;
  },
};

/**
 * Why node-lost must take no new action now, if it must: most nodes lost at once is rarely the
 * nodes' fault (a control-plane partition, a version skew, a zone down), and tainting them all
 * would evict the whole cluster. kube-controller-manager's node lifecycle controller stops
 * evicting the same way (--unhealthy-zone-threshold 0.55; all nodes down: full disruption).
 */
export function massNodeLoss(
  args: NodeLostArgs,
  counts: { notReady: number; total: number } | undefined,
): string | undefined {
  if (!counts) return undefined;
  const { notReady, total } = counts;
  const { unhealthyThreshold: threshold, unhealthyMinNodes: minNodes } = args;
  if (notReady < minNodes || notReady < threshold * total) return undefined;
  return `${notReady} of ${total} nodes are NotReady/Unknown (unhealthyThreshold ${threshold}, unhealthyMinNodes ${minNodes}): likely not the nodes' fault (a partition, the API server, a zone); no new taints or evictions until fewer are`;
}
