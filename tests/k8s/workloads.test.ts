// controller-manager, scheduler and kwok working together: a Deployment gets its ReplicaSet
// and Running pods on fake nodes, and a deleted pod is replaced.
import { beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import {
  adminClients,
  createDeployment,
  createFakeNode,
  createNamespace,
  waitForRunningPods,
  waitUntil,
} from "../env/k8s-helpers.ts";

// Real API round trips and kubectl runs (fresh discovery per cluster port) on a shared 2-core box.
setDefaultTimeout(120_000);

let cluster: TestCluster;
let namespace: string;
beforeAll(async () => {
  cluster = await startCluster();
  namespace = await createNamespace(cluster);
  await createFakeNode(cluster);
}, 180_000); // a cold control plane start (shared by every test file in the run)

test("a Deployment gets a ReplicaSet and Running pods; a deleted pod is replaced", async () => {
  const { apps, core } = adminClients(cluster);
  await createDeployment(cluster, namespace, "web", 3);
  const replicaSets = await waitUntil("ReplicaSet for web", async () => {
    const list = await apps.listNamespacedReplicaSet({ namespace, labelSelector: "app=web" });
    return list.items.length === 1 ? list.items : undefined;
  });
  expect(replicaSets[0]?.metadata?.ownerReferences?.[0]?.name).toBe("web");

  const pods = await waitForRunningPods(cluster, namespace, "app=web", 3);
  for (const pod of pods) {
    expect(pod.spec?.nodeName).toBeTruthy(); // the scheduler bound it
    expect(pod.metadata?.ownerReferences?.[0]?.name).toBe(replicaSets[0]?.metadata?.name);
  }

  const victim = pods[0]?.metadata?.name ?? "";
  await core.deleteNamespacedPod({ namespace, name: victim });
  const after = await waitUntil("replacement pod", async () => {
    const running = await waitForRunningPods(cluster, namespace, "app=web", 3);
    const names = running.map((p) => p.metadata?.name);
    return names.includes(victim) ? undefined : names;
  });
  expect(after).toHaveLength(3);
  expect(after).not.toContain(victim);
  const deployment = await apps.readNamespacedDeployment({ namespace, name: "web" });
  expect(deployment.status?.readyReplicas).toBe(3);
});
