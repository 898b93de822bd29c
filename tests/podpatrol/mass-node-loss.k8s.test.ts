// node-lost's mass-loss guard against the real control plane (kwok nodes): with most nodes
// NotReady at once podpatrol taints none of them; once fewer are, it goes on.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { V1Node } from "@kubernetes/client-node";
import { NODE_LOST_TAINT } from "../../lib/podpatrol/rules/node-lost/rule.ts";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import {
  adminClients,
  createFakeNode,
  makeNodeNotReady,
  uniqueName,
  waitUntil,
} from "../env/k8s-helpers.ts";
import { patrolEvents } from "./k8s-fixtures.ts";
import { startPatrol, waitReady, writeConfig } from "./patrol-process.ts";

let cluster: TestCluster;
const created: string[] = [];
beforeAll(async () => {
  cluster = await startCluster();
}, 180_000);
afterAll(async () => {
  const { core } = adminClients(cluster);
  for (const name of created) await core.deleteNode({ name }).catch(() => undefined);
});

const notReady = (n: V1Node) =>
  n.status?.conditions?.find((c) => c.type === "Ready")?.status !== "True";
const ours = (n: V1Node) => (n.spec?.taints ?? []).filter((t) => t.key === NODE_LOST_TAINT);

describe("node-lost mass-loss guard", () => {
  test("most nodes NotReady at once: no taint on any; one fewer: the others are tainted", async () => {
    const { core } = adminClients(cluster);
    // Other test files share this cluster: 3 Ready nodes of our own keep the lost ones a
    // minority once one is gone, whatever was there before.
    for (let i = 0; i < 3; i++)
      created.push((await createFakeNode(cluster, uniqueName("ok"))).metadata?.name ?? "");
    const lost: string[] = [];
    for (let i = 0; i < 3; i++)
      lost.push((await createFakeNode(cluster, uniqueName("gone"))).metadata?.name ?? "");
    created.push(...lost);
    // All three lost before podpatrol starts: it sees them at once, as after a partition.
    for (const name of lost) await makeNodeNotReady(cluster, name);
    const nodes = (await core.listNode()).items;
    const total = nodes.length;
    const down = nodes.filter(notReady).length;
    // The threshold sits just under what the cluster has now, and above it once one node is gone.
    const threshold = (down - 0.5) / total;
    expect((down - 1) / (total - 1)).toBeLessThan(threshold);
    const config = writeConfig({ rules: { "node-lost": { after: "1s", noExecuteAfter: "2s" } } });
    const patrol = await startPatrol(cluster.kubeconfigToken, [
      "--no-leader-elect",
      `--config=${config}`,
      `--node-lost-unhealthy-threshold=${threshold}`,
      "--namespace=none-here",
    ]);
    try {
      await waitReady(patrol);
      const paused = await patrol.waitForLog("node-lost paused", (l) =>
        String(l.msg).includes("node-lost: paused"),
      );
      expect(paused.level).toBe("warn");
      expect(String(paused.msg)).toContain(`${down} of ${total} nodes`);
      await waitUntil("PatrolCircuitOpen on a lost node", async () =>
        (await patrolEvents(cluster, "default")).some(
          (e) => e.reason === "PatrolCircuitOpen" && lost.includes(e.name),
        ),
      );
      for (const name of lost) expect(ours(await core.readNode({ name }))).toEqual([]);
      expect(
        await patrol.metric("opsctl_podpatrol_circuit_trips_total", {
          rule: "node-lost",
          reason: "mass-node-loss",
        }),
      ).toBe(1);

      // One lost node leaves the cluster: now under the threshold, node-lost goes on.
      await core.deleteNode({ name: lost[0] ?? "" });
      await patrol.waitForLog("node-lost resumed", (l) =>
        String(l.msg).includes("node-lost resumed"),
      );
      for (const name of lost.slice(1))
        await waitUntil(`${name} tainted`, async () =>
          ours(await core.readNode({ name })).some((t) => t.effect === "NoSchedule"),
        );
    } finally {
      await patrol.stop();
    }
  }, 240_000);
});
