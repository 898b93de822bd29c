// The actuator against the real API server: an action decided on one copy of a pod is not
// carried out once the pod has changed (resourceVersion precondition), on both the Eviction API
// and a delete; the fresh copy still goes through.
import { beforeAll, describe, expect, test } from "bun:test";
import { loadKubeconfigFile } from "../../lib/k8s/index.ts";
import { KubeActuator } from "../../lib/podpatrol/kube/actuator.ts";
import { KubeRest } from "../../lib/podpatrol/kube/rest.ts";
import type { Pod } from "../../lib/podpatrol/kube-types.ts";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import { adminClients, createNamespace, createPod, uniqueName } from "../env/k8s-helpers.ts";

let cluster: TestCluster;
let actuator: KubeActuator;
let rest: KubeRest;
beforeAll(async () => {
  cluster = await startCluster();
  rest = new KubeRest(loadKubeconfigFile(cluster.kubeconfigCert));
  actuator = new KubeActuator(rest);
}, 180_000);

/** A pod nothing else updates (no scheduler picks it up), and podpatrol's copy of it. */
async function quietPod(namespace: string): Promise<Pod> {
  const name = uniqueName("rv");
  await createPod(cluster, namespace, name, { schedulerName: "nobody" });
  return await read(namespace, name);
}

async function read(namespace: string, name: string): Promise<Pod> {
  return await rest.request<Pod>("GET", `/api/v1/namespaces/${namespace}/pods/${name}`);
}

/** The pod changes after the decision (here a label; in life e.g. it recovered). */
async function change(pod: Pod): Promise<void> {
  const { core } = adminClients(cluster);
  await core.patchNamespacedPod({
    name: pod.metadata.name,
    namespace: pod.metadata.namespace ?? "",
    body: [{ op: "add", path: "/metadata/labels/changed", value: "yes" }],
  });
}

async function alive(pod: Pod): Promise<boolean> {
  try {
    const now = await read(pod.metadata.namespace ?? "", pod.metadata.name);
    return now.metadata.uid === pod.metadata.uid && !now.metadata.deletionTimestamp;
  } catch {
    return false;
  }
}

describe("actuator preconditions", () => {
  test("evict and delete of a copy that changed since: 'changed', the pod left alone", async () => {
    const ns = await createNamespace(cluster);
    const stale = await quietPod(ns);
    await change(stale);
    expect(await actuator.evict(stale)).toBe("changed");
    expect(await actuator.delete(stale, false)).toBe("changed");
    expect(await actuator.delete(stale, true)).toBe("changed");
    expect(await alive(stale)).toBe(true);
  }, 60_000);

  test("the current copy is evicted or deleted as before; a pod gone is 'gone'", async () => {
    const ns = await createNamespace(cluster);
    const a = await quietPod(ns);
    expect(await actuator.evict(a)).toBe("success");
    expect(await alive(a)).toBe(false);
    const b = await quietPod(ns);
    expect(await actuator.delete(b, false)).toBe("success");
    expect(await alive(b)).toBe(false);
    expect(await actuator.delete({ ...b, metadata: { ...b.metadata, name: "nope" } }, false)).toBe(
      "gone",
    );
  }, 60_000);
});
