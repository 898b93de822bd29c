// The only code that changes the cluster: evictions (Eviction API, PDBs respected), deletes
// (the pod's own grace period unless forced), node taints. Every call names the pod's uid and
// resourceVersion as preconditions: a pod recreated under the same name is never hit by mistake,
// and one that changed since the decision (recovered, say) is judged again first.
import type { Node, Pod, Taint } from "../kube-types.ts";
import { NODE_LOST_TAINT } from "../rules/node-lost/rule.ts";
import { KubeApiError, type KubeRest } from "./rest.ts";

/** gone: no such pod (404). changed: the pod is not the copy the decision was made on (409). */
/**
 * blocked: a PodDisruptionBudget refused the eviction; throttled: the API server's own rate limit
 * (priority and fairness) refused the request. Both are a 429; only the first is about the pod.
 */
export type ActionResult = "success" | "blocked" | "throttled" | "gone" | "changed";

export interface Actuator {
  evict(pod: Pod): Promise<ActionResult>;
  delete(pod: Pod, force: boolean): Promise<ActionResult>;
  setNodeTaints(node: Node, effects: string[]): Promise<ActionResult>;
}

function preconditions(pod: Pod): { uid: string; resourceVersion?: string } {
  return { uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion };
}

/** 404: the pod is gone. 409: a precondition failed, it changed (or was replaced) meanwhile. */
function missed(error: unknown): ActionResult | undefined {
  if (!(error instanceof KubeApiError)) return undefined;
  if (error.status === 404) return "gone";
  if (error.status === 409) return "changed";
  return undefined;
}

function podPath(pod: Pod): string {
  return `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace ?? "")}/pods/${encodeURIComponent(pod.metadata.name)}`;
}

export class KubeActuator implements Actuator {
  constructor(private readonly rest: KubeRest) {}

  async evict(pod: Pod): Promise<ActionResult> {
    try {
      await this.rest.request("POST", `${podPath(pod)}/eviction`, {
        body: {
          apiVersion: "policy/v1",
          kind: "Eviction",
          metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace },
          deleteOptions: { preconditions: preconditions(pod) },
        },
      });
      return "success";
    } catch (error) {
      // 429: a PodDisruptionBudget forbids it now (retried later, never bypassed), or the API
      // server throttles requests, which its message tells apart ("...disruption budget...").
      if (error instanceof KubeApiError && error.status === 429)
        return /disruption budget/i.test(error.message) ? "blocked" : "throttled";
      const result = missed(error);
      if (result) return result;
      throw error;
    }
  }

  async delete(pod: Pod, force: boolean): Promise<ActionResult> {
    try {
      await this.rest.request("DELETE", podPath(pod), {
        body: {
          apiVersion: "v1",
          kind: "DeleteOptions",
          preconditions: preconditions(pod),
          ...(force ? { gracePeriodSeconds: 0 } : {}),
        },
      });
      return "success";
    } catch (error) {
      const result = missed(error);
      if (result) return result;
      throw error;
    }
  }

  /** Sets exactly `effects` for our taint key, leaving every other taint alone. */
  async setNodeTaints(node: Node, effects: string[]): Promise<ActionResult> {
    let current = node;
    for (let attempt = 0; attempt < 5; attempt++) {
      const others = (current.spec?.taints ?? []).filter((t) => t.key !== NODE_LOST_TAINT);
      const ours: Taint[] = effects.map((effect) => ({
        key: NODE_LOST_TAINT,
        value: "true",
        effect,
        ...(effect === "NoExecute"
          ? { timeAdded: new Date().toISOString().replace(/\.\d+Z$/, "Z") }
          : {}),
      }));
      try {
        // A merge patch carrying resourceVersion: a concurrent change gets 409, not lost.
        await this.rest.request(
          "PATCH",
          `/api/v1/nodes/${encodeURIComponent(current.metadata.name)}`,
          {
            contentType: "application/merge-patch+json",
            body: {
              metadata: { resourceVersion: current.metadata.resourceVersion },
              spec: { taints: [...others, ...ours] },
            },
          },
        );
        return "success";
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return "gone";
        if (!(error instanceof KubeApiError && error.status === 409)) throw error;
        current = await this.rest.request<Node>(
          "GET",
          `/api/v1/nodes/${encodeURIComponent(node.metadata.name)}`,
        );
      }
    }
    throw new Error(`node ${node.metadata.name}: taints still conflicting after 5 attempts`);
  }
}
