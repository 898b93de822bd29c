// Failed (including Evicted) pods older than T: delete them. Job pods are left to the Job
// (ttlSecondsAfterFinished, backoff accounting).
import type { Pod } from "../../kube-types.ts";
import { timeOf } from "../../kube-types.ts";
import type { PodRule, Verdict } from "../types.ts";
import { type FailedArgs, failedDefaults, validateFailedArgs } from "./args.ts";

/** When the pod stopped: the latest container finish, else its start or creation. */
function finishedAt(pod: Pod): number | undefined {
  const finishes = (pod.status?.containerStatuses ?? [])
    .map((s) => timeOf(s.state?.terminated?.finishedAt))
    .filter((t): t is number => t !== undefined);
  if (finishes.length > 0) return Math.max(...finishes);
  return timeOf(pod.status?.startTime) ?? timeOf(pod.metadata.creationTimestamp);
}

export const failedRule: PodRule<FailedArgs> = {
  name: "failed",
  description: "Failed/Evicted pods older than T: delete",
  defaults: failedDefaults,
  validate: validateFailedArgs,
  evaluate(pod, args, ctx): Verdict {
    if (pod.metadata.deletionTimestamp || pod.status?.phase !== "Failed")
      return { kind: "healthy" };
    const since = finishedAt(pod) ?? ctx.now;
    const due = since + args.after * 1000;
    if (ctx.now < due) return { kind: "wait", until: due };
    if (pod.metadata.ownerReferences?.some((o) => o.controller && o.kind === "Job")) {
      return {
        kind: "hold",
        reason: "job-pod",
        message: "a Job's pod: left to the Job's own cleanup",
      };
    }
    const what = pod.status.reason === "Evicted" ? "Evicted" : "Failed";
    return {
      kind: "act",
      action: "delete",
      since: due,
      reason: `${what} for ${Math.round((ctx.now - since) / 1000)}s (keep ${args.after}s)`,
    };
  },
};
