// The other rules against the real control plane: node-lost (taint, evict, NoExecute, untaint),
// unschedulable (only after the cluster changed), stuck (Pending; Terminating force-deleted on a
// lost node only with the flag; the breaker stops repeated remediation), failed cleanup.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { V1Pod } from "@kubernetes/client-node";
import { NODE_LOST_TAINT } from "../../lib/podpatrol/rules/node-lost/rule.ts";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import {
  adminClients,
  createFakeNode,
  createNamespace,
  makeNodeNotReady,
  uniqueName,
  waitForRunningPods,
  waitUntil,
} from "../env/k8s-helpers.ts";
import { patrolEvents, waitForEvent, workload } from "./k8s-fixtures.ts";
import { startPatrol, waitReady, writeConfig } from "./patrol-process.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster();
}, 180_000);

const noElection = ["--no-leader-elect"];

/** Reports a kubelet-less node's Ready condition (a merge patch: no conflict with controllers). */
async function setNodeReady(name: string, status: "False" | "Unknown"): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const patch = {
    status: {
      conditions: [
        {
          type: "Ready",
          status,
          reason: "KubeletDown",
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
    },
  };
  const result = await cluster.kubectl([
    "patch",
    "node",
    name,
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify(patch),
  ]);
  if (result.exitCode !== 0) throw new Error(`patch node status: ${result.stderr}`);
}

async function podsOf(namespace: string, app: string): Promise<V1Pod[]> {
  const { core } = adminClients(cluster);
  return (await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
}

describe("node-lost", () => {
  test("a NotReady node is tainted NoSchedule then NoExecute, its pods evicted, and untainted when Ready again", async () => {
    const ns = await createNamespace(cluster);
    const node = (await createFakeNode(cluster, uniqueName("lost"))).metadata?.name ?? "";
    await workload(cluster, ns, "pinned", {
      replicas: 2,
      podSpec: { nodeSelector: { "kubernetes.io/hostname": node } },
    });
    const pods = await waitForRunningPods(cluster, ns, "app=pinned", 2);
    const config = writeConfig({ rules: { "node-lost": { after: "1s", noExecuteAfter: "3s" } } });
    const patrol = await startPatrol(cluster.kubeconfigToken, [
      ...noElection,
      `--namespace=${ns}`,
      `--config=${config}`,
      "--cooldown=0",
    ]);
    try {
      await waitReady(patrol);
      await makeNodeNotReady(cluster, node);
      const { core } = adminClients(cluster);
      const tainted = await waitUntil("NoSchedule taint", async () => {
        const n = await core.readNode({ name: node });
        return n.spec?.taints?.some((t) => t.key === NODE_LOST_TAINT && t.effect === "NoSchedule")
          ? n
          : undefined;
      });
      expect(
        tainted.spec?.taints?.filter((t) => t.key === NODE_LOST_TAINT).map((t) => t.effect),
      ).toContain("NoSchedule");
      // Both pods go through the Eviction API (one owner: the second waits out no cooldown here).
      for (const pod of pods) {
        await waitForEvent(
          cluster,
          ns,
          `evicted ${pod.metadata?.name}`,
          (e) => e.reason === "PatrolEvicted" && e.name === pod.metadata?.name,
        );
      }
      await waitUntil("NoExecute taint", async () => {
        const n = await core.readNode({ name: node });
        return n.spec?.taints?.some((t) => t.key === NODE_LOST_TAINT && t.effect === "NoExecute");
      });
      const nodeEvents = await patrolEvents(cluster, "default");
      expect(nodeEvents.some((e) => e.reason === "PatrolTainted" && e.name === node)).toBe(true);

      // Recovery: kwok's heartbeat matches again once the not-ready label is gone.
      await cluster.kubectl(["label", "node", node, "node-not-ready.stage.kwok.x-k8s.io-"]);
      await waitUntil(
        "node Ready",
        async () => {
          const n = await core.readNode({ name: node });
          return n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
        },
        90_000,
      );
      await waitUntil("our taints removed", async () => {
        const n = await core.readNode({ name: node });
        return !(n.spec?.taints ?? []).some((t) => t.key === NODE_LOST_TAINT);
      });
      await waitUntil("PatrolUntainted event", async () =>
        (await patrolEvents(cluster, "default")).some(
          (e) => e.reason === "PatrolUntainted" && e.name === node,
        ),
      );
      expect(
        await patrol.metric("opsctl_podpatrol_actions_total", {
          rule: "node-lost",
          action: "evict",
          result: "success",
        }),
      ).toBe(2);
    } finally {
      await patrol.stop();
    }
  }, 180_000);
});

describe("pod rules", () => {
  test("unschedulable: left alone until a node joins, then deleted for rescheduling", async () => {
    const ns = await createNamespace(cluster);
    await workload(cluster, ns, "huge", {
      replicas: 1,
      podSpec: {
        containers: [
          {
            name: "main",
            image: "registry.invalid/app:1",
            resources: { requests: { cpu: "100000" } },
          },
        ],
      },
    });
    const pending = await waitUntil("Unschedulable", async () => {
      const [p] = await podsOf(ns, "huge");
      return p?.status?.conditions?.some(
        (c) => c.type === "PodScheduled" && c.reason === "Unschedulable",
      )
        ? p
        : undefined;
    });
    const config = writeConfig({ rules: { unschedulable: { after: "1s" } } });
    const patrol = await startPatrol(cluster.kubeconfigToken, [
      ...noElection,
      "--disable-rule=node-lost",
      `--namespace=${ns}`,
      `--config=${config}`,
    ]);
    try {
      const held = await waitForEvent(
        cluster,
        ns,
        "no-cluster-change",
        (e) => e.reason === "PatrolSkipped",
      );
      expect(held.message).toContain("no-cluster-change");
      expect(await patrol.metric("opsctl_podpatrol_actions_total", { rule: "unschedulable" })).toBe(
        0,
      );
      await createFakeNode(cluster, uniqueName("joined"));
      const deleted = await waitForEvent(
        cluster,
        ns,
        "deleted",
        (e) => e.reason === "PatrolDeleted" && e.name === pending.metadata?.name,
      );
      expect(deleted.message).toContain("a node joined or recovered");
    } finally {
      await patrol.stop();
    }
  }, 120_000);

  test("failed: an Evicted pod older than T is cleaned up", async () => {
    const ns = await createNamespace(cluster);
    await createFakeNode(cluster);
    await workload(cluster, ns, "oldjob", { replicas: 1 });
    const [pod] = await waitForRunningPods(cluster, ns, "app=oldjob", 1);
    const { core } = adminClients(cluster);
    const failed = structuredClone(pod as V1Pod);
    failed.status = {
      ...failed.status,
      phase: "Failed",
      reason: "Evicted",
      message: "The node was low on resource: memory.",
    };
    await core.replaceNamespacedPodStatus({
      namespace: ns,
      name: pod?.metadata?.name ?? "",
      body: failed,
    });
    const config = writeConfig({ rules: { failed: { after: "1s" } } });
    const patrol = await startPatrol(cluster.kubeconfigToken, [
      ...noElection,
      "--disable-rule=node-lost",
      `--namespace=${ns}`,
      `--config=${config}`,
    ]);
    try {
      const deleted = await waitForEvent(
        cluster,
        ns,
        "failed cleanup",
        (e) => e.reason === "PatrolDeleted" && e.name === pod?.metadata?.name,
      );
      expect(deleted.message).toContain("Evicted");
      await waitUntil(
        "pod gone",
        async () =>
          !(await podsOf(ns, "oldjob")).some((p) => p.metadata?.uid === pod?.metadata?.uid),
      );
    } finally {
      await patrol.stop();
    }
  }, 120_000);

  test("stuck: Pending on a dead node is deleted, force-deleted once Terminating there (flag on), then the breaker stops the churn", async () => {
    const ns = await createNamespace(cluster);
    const { core } = adminClients(cluster);
    // A node no kubelet (nor kwok) serves, reported NotReady: pods bound to it never start.
    const ghost = uniqueName("ghost");
    await core.createNode({
      body: { metadata: { name: ghost, labels: { "kubernetes.io/hostname": ghost } } },
    });
    await setNodeReady(ghost, "False");
    try {
      await workload(cluster, ns, "stuck", { replicas: 1, podSpec: { nodeName: ghost } });
      const [first] = await waitUntil("pod bound to the ghost node", async () => {
        const pods = await podsOf(ns, "stuck");
        return pods.length > 0 ? pods : undefined;
      });
      const config = writeConfig({
        rules: { stuck: { pendingAfter: "1s", terminatingAfter: "1s" } },
      });
      const patrol = await startPatrol(cluster.kubeconfigToken, [
        ...noElection,
        "--disable-rule=node-lost",
        `--namespace=${ns}`,
        `--config=${config}`,
        "--cooldown=0",
        "--force-delete-on-lost-node",
      ]);
      try {
        const name = first?.metadata?.name ?? "";
        const deleted = await waitForEvent(
          cluster,
          ns,
          "stuck delete",
          (e) => e.reason === "PatrolDeleted" && e.name === name,
        );
        expect(deleted.message).toContain("Pending");
        // The very pod deleted above: its Terminating update often arrives before the delete's
        // own response, and must not be lost (nothing about it changes again without a kubelet).
        const forced = await waitForEvent(
          cluster,
          ns,
          "force delete",
          (e) => e.reason === "PatrolForceDeleted" && e.name === name,
        );
        expect(forced.message).toContain(`lost node ${ghost}`);
        // Force deleted (grace 0): gone at once, though no kubelet ever confirmed it.
        await waitUntil(
          "force-deleted pod gone",
          async () => !(await podsOf(ns, "stuck")).some((p) => p.metadata?.name === forced.name),
        );
        const open = await waitForEvent(
          cluster,
          ns,
          "breaker",
          (e) => e.reason === "PatrolCircuitOpen",
        );
        expect(open.message).toMatch(/already remediated [3-9] times/);
      } finally {
        await patrol.stop();
      }
    } finally {
      await cluster.kubectl(["delete", "namespace", ns, "--wait=false"]);
      await cluster.kubectl(["delete", "node", ghost, "--wait=false"]);
    }
  }, 120_000);

  test("stuck Terminating on a lost node is NOT force-deleted without the flag", async () => {
    const ns = await createNamespace(cluster);
    const { core } = adminClients(cluster);
    const ghost = uniqueName("ghost");
    await core.createNode({
      body: { metadata: { name: ghost, labels: { "kubernetes.io/hostname": ghost } } },
    });
    await setNodeReady(ghost, "Unknown");
    try {
      await workload(cluster, ns, "held", { replicas: 1, podSpec: { nodeName: ghost } });
      const [pod] = await waitUntil("pod bound", async () => {
        const pods = await podsOf(ns, "held");
        return pods.length > 0 ? pods : undefined;
      });
      const name = pod?.metadata?.name ?? "";
      await core.deleteNamespacedPod({ namespace: ns, name }); // Terminating forever: no kubelet
      const config = writeConfig({
        rules: { stuck: { terminatingAfter: "1s", pendingAfter: "1h" } },
      });
      const patrol = await startPatrol(cluster.kubeconfigToken, [
        ...noElection,
        "--disable-rule=node-lost",
        `--namespace=${ns}`,
        `--config=${config}`,
      ]);
      try {
        const held = await waitForEvent(
          cluster,
          ns,
          "force-delete-disabled",
          (e) => e.reason === "PatrolSkipped" && e.name === name,
        );
        expect(held.message).toContain("force-delete-disabled");
        const still = await core.readNamespacedPod({ namespace: ns, name });
        expect(still.metadata?.uid).toBe(pod?.metadata?.uid);
      } finally {
        await patrol.stop();
      }
    } finally {
      await cluster.kubectl(["delete", "namespace", ns, "--wait=false"]);
      await cluster.kubectl(["delete", "node", ghost, "--wait=false"]);
    }
  }, 120_000);
});

afterAll(() => {});
