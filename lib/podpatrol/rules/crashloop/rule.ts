// CrashLoopBackOff with restarts >= N: recreate the pod through its controller.
import type { ContainerStatus, Pod } from "../../kube-types.ts";
import type { PodRule, Verdict } from "../types.ts";
import { type CrashLoopArgs, crashLoopDefaults, validateCrashLoopArgs } from "./args.ts";

function crashLooping(pod: Pod, minRestarts: number): ContainerStatus | undefined {
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  return statuses.find(
    (s) => s.state?.waiting?.reason === "CrashLoopBackOff" && s.restartCount >= minRestarts,
  );
}

export const crashLoopRule: PodRule<CrashLoopArgs> = {
  name: "crashloop",
  description:
    "a container in CrashLoopBackOff with restarts >= N: evict/delete so its controller recreates it",
  defaults: crashLoopDefaults,
  validate: validateCrashLoopArgs,
  evaluate(pod, args): Verdict {
    if (pod.metadata.deletionTimestamp) return { kind: "healthy" };
    const container = crashLooping(pod, args.restarts);
    if (!container) return { kind: "healthy" };
    return {
      kind: "act",
      action: args.action,
      reason: `container ${container.name} in CrashLoopBackOff after ${container.restartCount} restarts (threshold ${args.restarts})`,
    };
  },
};
