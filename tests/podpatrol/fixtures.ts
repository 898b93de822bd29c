// Raw pod/node objects as the API server sends them, for the rule and safety unit tests.
import type { PatrolFlags } from "../../lib/podpatrol/config.ts";
import type { ContainerStatus, Node, Pod } from "../../lib/podpatrol/kube-types.ts";
import type { RuleContext } from "../../lib/podpatrol/rules/types.ts";

export const T0 = Date.parse("2026-01-01T00:00:00Z");
export const iso = (ms: number) => new Date(ms).toISOString();

/** podpatrol's flags at their defaults: all namespaces, every rule on. */
export const defaultFlags: PatrolFlags = {
  dryRun: false,
  namespace: [],
  excludeNamespace: [],
  selector: undefined,
  allowKubeSystem: false,
  disableRule: [],
  enableRule: [],
  cooldown: 600,
  forceDeleteOnLostNode: false,
};

export function pod(
  overrides: Partial<Pod["metadata"]> = {},
  status: Pod["status"] = { phase: "Running" },
  nodeName = "n1",
): Pod {
  return {
    metadata: {
      name: "web-7d9f-abcde",
      namespace: "shop",
      uid: `uid-${Math.random()}`,
      creationTimestamp: iso(T0),
      labels: { app: "web", "pod-template-hash": "7d9f" },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "web-7d9f",
          uid: "rs1",
          controller: true,
        },
      ],
      ...overrides,
    },
    spec: { nodeName },
    status,
  };
}

export function crashing(restartCount: number): ContainerStatus {
  return { name: "main", restartCount, state: { waiting: { reason: "CrashLoopBackOff" } } };
}

export function node(
  name: string,
  ready: "True" | "False" | "Unknown",
  since = T0,
  taints: Node["spec"] = {},
): Node {
  return {
    metadata: { name, uid: `node-${name}` },
    spec: taints,
    status: { conditions: [{ type: "Ready", status: ready, lastTransitionTime: iso(since) }] },
  };
}

export function ctx(now: number, extra: Partial<RuleContext> = {}): RuleContext {
  return { now, lastNodeChange: 0, nodeLost: () => false, ...extra };
}
