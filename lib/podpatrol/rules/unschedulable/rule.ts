// Pending + PodScheduled=False/Unschedulable for longer than T: delete it so it is rescheduled,
// but only when the cluster changed since (a node joined or recovered); otherwise deleting it
// would only churn, so report and leave it.
import { condition, timeOf } from "../../kube-types.ts";
import type { PodRule, Verdict } from "../types.ts";
import {
  type UnschedulableArgs,
  unschedulableDefaults,
  validateUnschedulableArgs,
} from "./args.ts";

export const unschedulableRule: PodRule<UnschedulableArgs> = {
  name: "unschedulable",
  description:
    "Pending and Unschedulable longer than T: delete for rescheduling once a node joined or recovered",
  defaults: unschedulableDefaults,
  validate: validateUnschedulableArgs,
  evaluate(pod, args, ctx): Verdict {
    if (pod.metadata.deletionTimestamp || pod.status?.phase !== "Pending")
      return { kind: "healthy" };
    const scheduled = condition(pod, "PodScheduled");
    if (scheduled?.status !== "False" || scheduled.reason !== "Unschedulable")
      return { kind: "healthy" };
    const since =
      timeOf(scheduled.lastTransitionTime) ?? timeOf(pod.metadata.creationTimestamp) ?? ctx.now;
    const due = since + args.after * 1000;
    if (ctx.now < due) return { kind: "wait", until: due };
    if (ctx.lastNodeChange <= since) {
      return {
        kind: "hold",
        reason: "no-cluster-change",
        message: `unschedulable for ${Math.round((ctx.now - since) / 1000)}s but no node joined or recovered since; leaving it to the scheduler`,
      };
    }
    return {
      kind: "act",
      action: "delete",
      since: Math.max(due, ctx.lastNodeChange),
      reason: `unschedulable for ${Math.round((ctx.now - since) / 1000)}s and a node joined or recovered since`,
    };
  },
};
