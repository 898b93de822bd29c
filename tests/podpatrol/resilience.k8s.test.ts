// Survival: a real kube-apiserver restart (the harness kills it by pid and starts it again on
// the same port), the API server going away (every connection cut through a loopback proxy),
// watch expiry (410 Gone from the real API server), and
// leader failover between two replicas when the leader is killed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { loadKubeconfigFile } from "../../lib/k8s/config.ts";
import { Informer } from "../../lib/podpatrol/kube/informer.ts";
import { KubeRest } from "../../lib/podpatrol/kube/rest.ts";
import type { ObjectMeta } from "../../lib/podpatrol/kube-types.ts";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import {
  crashLoopPod,
  createFakeNode,
  createNamespace,
  waitForRunningPods,
  waitUntil,
} from "../env/k8s-helpers.ts";
import { kubeconfigThrough, livePods, podExists, waitForEvent, workload } from "./k8s-fixtures.ts";
import { startPatrol, waitReady } from "./patrol-process.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster();
  await createFakeNode(cluster);
}, 180_000);

/** A TCP proxy on 127.0.0.1 to the API server that can drop every connection and refuse new ones. */
class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(public target: number) {}
  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, "127.0.0.1", resolve));
    const address = this.server.address();
    if (typeof address === "object" && address) this.port = address.port;
  }
  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server?.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

describe("API server restart", () => {
  // Runs before the other tests of this file on purpose: the Deployments they create afterwards
  // only get pods if the controller-manager, scheduler and kwok reconnected after the restart.
  test("the real kube-apiserver restarts; a CrashLoopBackOff created afterwards is remediated", async () => {
    const ns = await createNamespace(cluster);
    await workload(cluster, ns, "phoenix", { replicas: 2 });
    const [pod] = await waitForRunningPods(cluster, ns, "app=phoenix", 2);
    const name = pod?.metadata?.name ?? "";
    const uid = pod?.metadata?.uid ?? "";
    const patrol = await startPatrol(cluster.kubeconfigToken, [
      "--no-leader-elect",
      "--disable-rule=node-lost",
      `--namespace=${ns}`,
    ]);
    try {
      await waitReady(patrol);
      const oldPid = cluster.apiServerPid();
      const newPid = await cluster.restartApiServer();
      expect(newPid).not.toBe(oldPid);
      expect(() => process.kill(oldPid, 0)).toThrow(); // the old process is really gone
      await patrol.waitForLog(
        "watch restart",
        (l) => l.msg === "watch restarting" && l.resource === "pods",
      );

      await crashLoopPod(cluster, ns, name); // after the restart: only a re-established watch sees it
      const evicted = await waitForEvent(
        cluster,
        ns,
        "evicted after the restart",
        (e) => e.reason === "PatrolEvicted" && e.name === name,
        60_000,
      );
      expect(evicted.message).toContain("CrashLoopBackOff");
      // Real cluster state: the crashing pod is gone and the Deployment is whole again, which
      // also needs the restarted API server's clients (controller-manager, scheduler, kwok).
      await waitUntil("crashing pod gone", async () => !(await podExists(cluster, ns, name, uid)));
      await waitUntil(
        "replacement pod running",
        async () => {
          const pods = await livePods(cluster, ns, "phoenix");
          return pods.length === 2 && pods.every((p) => p.phase === "Running" && p.uid !== uid);
        },
        60_000,
      );
      expect(
        await patrol.metric("opsctl_podpatrol_watch_restarts_total", { resource: "pods" }),
      ).toBeGreaterThanOrEqual(1);
      expect(await patrol.metric("opsctl_podpatrol_actions_total")).toBeGreaterThanOrEqual(1);
      expect((await fetch(`http://127.0.0.1:${patrol.port}/readyz`)).status).toBe(200);
      expect(patrol.proc.exitCode).toBeNull();
    } finally {
      await patrol.stop();
    }
  }, 180_000);
});

describe("API server outage", () => {
  const proxy = new CuttableProxy(0);
  afterAll(() => proxy.down().catch(() => {}));

  test("watches restart with backoff and a failure that happened meanwhile is remediated", async () => {
    const apiPort = Number(new URL(cluster.server).port);
    proxy.target = apiPort;
    await proxy.up();
    const kubeconfig = kubeconfigThrough(cluster, proxy.port);

    const ns = await createNamespace(cluster);
    await workload(cluster, ns, "survivor", { replicas: 2 });
    const [pod] = await waitForRunningPods(cluster, ns, "app=survivor", 2);
    const patrol = await startPatrol(kubeconfig, [
      "--no-leader-elect",
      "--disable-rule=node-lost",
      `--namespace=${ns}`,
    ]);
    try {
      await waitReady(patrol);
      await proxy.down();
      await patrol.waitForLog(
        "watch restart",
        (l) => l.msg === "watch restarting" && l.resource === "pods",
      );
      await crashLoopPod(cluster, ns, pod?.metadata?.name ?? ""); // while podpatrol cannot see
      await Bun.sleep(2000);
      await proxy.up(); // same port: the "restarted" API server
      const evicted = await waitForEvent(
        cluster,
        ns,
        "evicted after the outage",
        (e) => e.reason === "PatrolEvicted" && e.name === pod?.metadata?.name,
        60_000,
      );
      expect(evicted.message).toContain("CrashLoopBackOff");
      expect(
        await patrol.metric("opsctl_podpatrol_watch_restarts_total", { resource: "pods" }),
      ).toBeGreaterThanOrEqual(1);
      expect((await fetch(`http://127.0.0.1:${patrol.port}/readyz`)).status).toBe(200);
      expect(patrol.proc.exitCode).toBeNull();
    } finally {
      await patrol.stop();
    }
  }, 120_000);
});

/**
 * Compacts the harness's etcd up to its current revision (what the API server itself does every
 * 5 minutes), so watching from an old resourceVersion gets a real 410 Gone. The etcd client URL
 * is read from the etcd process this test process started (its --data-dir is in cluster.dir).
 */
async function compactEtcd(cluster: TestCluster): Promise<void> {
  let url: string | undefined;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (!argv.includes(`--data-dir=${join(cluster.dir, "etcd")}`)) continue;
    url = argv.find((a) => a.startsWith("--listen-client-urls="))?.split("=")[1];
  }
  if (!url) throw new Error("etcd of the test cluster not found");
  const status = (await (
    await fetch(`${url}/v3/maintenance/status`, { method: "POST", body: "{}" })
  ).json()) as {
    header: { revision: string };
  };
  const response = await fetch(`${url}/v3/kv/compaction`, {
    method: "POST",
    body: JSON.stringify({ revision: status.header.revision, physical: true }),
  });
  if (!response.ok) throw new Error(`etcd compaction: ${response.status} ${await response.text()}`);
}

/** Lets the test push the informer's watch onto an expired resourceVersion. */
class ExpiringInformer extends Informer<{ metadata: ObjectMeta }> {
  expire(): void {
    this.resourceVersion = "2";
    this.abort?.abort();
  }
}

async function createEvent(cluster: TestCluster, namespace: string, name: string): Promise<void> {
  const response = await fetch(`${cluster.server}/api/v1/namespaces/${namespace}/events`, {
    method: "POST",
    headers: { Authorization: `Bearer ${cluster.token}`, "Content-Type": "application/json" },
    tls: { ca: cluster.caPem },
    body: JSON.stringify({
      metadata: { name },
      involvedObject: { kind: "Pod", name: "x", namespace },
      reason: "Test",
      message: "informer expiry test",
    }),
  } as RequestInit);
  if (!response.ok) throw new Error(`create event: ${response.status}`);
}

describe("watch expiry", () => {
  // Events are the resource the API server serves from etcd rather than its watch cache, so
  // once etcd is compacted an old resourceVersion gets a real 410 Gone: the same Informer
  // code that watches pods and nodes must relist and carry on.
  test("410 Gone from the API server makes the informer relist and carry on", async () => {
    const ns = await createNamespace(cluster);
    const rest = new KubeRest(loadKubeconfigFile(cluster.kubeconfigCert));
    const restarts: string[] = [];
    const seen = new Set<string>();
    const informer = new ExpiringInformer(
      rest,
      `/api/v1/namespaces/${ns}/events`,
      { upsert: (o) => seen.add(o.metadata.name), remove: () => {} },
      { onRestart: (reason) => restarts.push(reason) },
    );
    informer.start();
    try {
      await waitUntil("synced", async () => informer.synced);
      await createEvent(cluster, ns, "before");
      await waitUntil("first event seen", async () => seen.has("before"));
      await compactEtcd(cluster);
      informer.expire();
      await waitUntil("expired restart", async () => restarts.includes("expired"), 30_000);
      await createEvent(cluster, ns, "after");
      await waitUntil(
        "event seen after the relist",
        async () => seen.has("after") && informer.cache.has(`${ns}/after`),
      );
      expect(informer.cache.has(`${ns}/before`)).toBe(true);
    } finally {
      informer.stop();
    }
  }, 60_000);
});

describe("leader election", () => {
  test("two replicas, one acts; kill -9 the leader and the other takes over", async () => {
    const ns = await createNamespace(cluster);
    await workload(cluster, ns, "one", { replicas: 2 });
    await workload(cluster, ns, "two", { replicas: 2 });
    const [first] = await waitForRunningPods(cluster, ns, "app=one", 2);
    const [second] = await waitForRunningPods(cluster, ns, "app=two", 2);
    const args = (id: string) => [
      "--disable-rule=node-lost",
      `--namespace=${ns}`,
      "--leader-elect",
      `--lease-namespace=${ns}`,
      "--lease-duration=3s",
      `--identity=${id}`,
    ];
    const a = await startPatrol(cluster.kubeconfigToken, args("replica-a"));
    const b = await startPatrol(cluster.kubeconfigToken, args("replica-b"));
    try {
      const leaderLine = await Promise.race([
        a.waitForLog("a leads", (l) => l.msg === "became leader").then(() => "a"),
        b.waitForLog("b leads", (l) => l.msg === "became leader").then(() => "b"),
      ]);
      const [leader, follower] = leaderLine === "a" ? [a, b] : [b, a];
      const [leaderId, followerId] =
        leaderLine === "a" ? ["replica-a", "replica-b"] : ["replica-b", "replica-a"];

      await crashLoopPod(cluster, ns, first?.metadata?.name ?? "");
      const byLeader = await waitForEvent(
        cluster,
        ns,
        "leader acts",
        (e) => e.reason === "PatrolEvicted" && e.name === first?.metadata?.name,
      );
      expect(byLeader.source).toBe(leaderId);
      expect(follower.logs.some((l) => l.msg === "became leader")).toBe(false);
      expect(await follower.metric("opsctl_podpatrol_actions_total")).toBe(0);
      expect(await follower.metric("opsctl_podpatrol_leader")).toBe(0);

      leader.proc.kill("SIGKILL");
      await follower.waitForLog("takeover", (l) => l.msg === "became leader", 30_000);
      await crashLoopPod(cluster, ns, second?.metadata?.name ?? "");
      const byFollower = await waitForEvent(
        cluster,
        ns,
        "new leader acts",
        (e) => e.reason === "PatrolEvicted" && e.name === second?.metadata?.name,
      );
      expect(byFollower.source).toBe(followerId);
    } finally {
      a.proc.kill("SIGKILL");
      b.proc.kill("SIGKILL");
    }
  }, 120_000);
});
