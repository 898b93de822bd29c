// The failure states podpatrol's tests need, made by tests/env/k8s-helpers.ts on the real
// control plane: a NotReady node, a container in CrashLoopBackOff, an Unschedulable pod.
import { beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import {
  adminClients,
  crashLoopPod,
  createFakeNode,
  createNamespace,
  createPod,
  createUnschedulablePod,
  makeNodeNotReady,
  waitUntil,
} from "../env/k8s-helpers.ts";

// Real API round trips and kubectl runs (fresh discovery per cluster port) on a shared 2-core box.
setDefaultTimeout(120_000);

let cluster: TestCluster;
let namespace: string;
beforeAll(async () => {
  cluster = await startCluster();
  namespace = await createNamespace(cluster);
}, 180_000); // a cold control plane start (shared by every test file in the run)

test("makeNodeNotReady turns a Ready fake node NotReady and it stays so", async () => {
  const node = await createFakeNode(cluster);
  const name = node.metadata?.name ?? "";
  const notReady = await makeNodeNotReady(cluster, name);
  const ready = notReady.status?.conditions?.find((c) => c.type === "Ready");
  expect(ready?.status).toBe("False");
  // The node lifecycle controller reacts to it as to a dead kubelet: it taints the node.
  const { core } = adminClients(cluster);
  const tainted = await waitUntil("not-ready taint", async () => {
    const n = await core.readNode({ name });
    return n.spec?.taints?.some((t) => t.key === "node.kubernetes.io/not-ready") ? n : undefined;
  });
  expect(tainted.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
});

test("crashLoopPod reports CrashLoopBackOff with the restart count, and kwok leaves it so", async () => {
  await createFakeNode(cluster);
  await createPod(cluster, namespace, "crasher");
  const pod = await crashLoopPod(cluster, namespace, "crasher", { restartCount: 7 });
  const status = pod.status?.containerStatuses?.[0];
  expect(status?.state?.waiting?.reason).toBe("CrashLoopBackOff");
  expect(status?.restartCount).toBe(7);
  expect(status?.lastState?.terminated?.exitCode).toBe(1);
  expect(pod.status?.phase).toBe("Running");
  expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");

  await Bun.sleep(3_000); // give kwok every chance to overwrite it
  const { core } = adminClients(cluster);
  const later = await core.readNamespacedPod({ namespace, name: "crasher" });
  expect(later.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("CrashLoopBackOff");
  expect(later.status?.containerStatuses?.[0]?.restartCount).toBe(7);
  const listed = await cluster.kubectl(["get", "pod", "-n", namespace, "crasher", "--no-headers"]);
  expect(listed.stdout).toMatch(/crasher\s+0\/1\s+CrashLoopBackOff\s+7/);
});

test("createUnschedulablePod leaves a pod Pending with PodScheduled=False/Unschedulable", async () => {
  await createFakeNode(cluster);
  const pod = await createUnschedulablePod(cluster, namespace, "too-big");
  expect(pod.status?.phase).toBe("Pending");
  expect(pod.spec?.nodeName).toBeFalsy();
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  expect(scheduled?.reason).toBe("Unschedulable");
  expect(scheduled?.message).toMatch(/Insufficient cpu/);
});
