// A dry run writes nothing to the cluster, the leader Lease included: run against production
// with the default lease name, it must not take the Lease from (or keep it away from) the real
// patrol. It judges as if it led. A SIGHUP to live joins the election; back to dry-run hands
// the Lease back.
import { beforeAll, describe, expect, test } from "bun:test";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import {
  crashLoopPod,
  createFakeNode,
  createNamespace,
  waitForRunningPods,
  waitUntil,
} from "../env/k8s-helpers.ts";
import { patrolEvents, podExists, waitForEvent, workload } from "./k8s-fixtures.ts";
import {
  type PatrolProcess,
  reloadConfig,
  startPatrol,
  waitReady,
  writeConfig,
} from "./patrol-process.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster();
  await createFakeNode(cluster);
}, 180_000);

interface LeaseState {
  holderIdentity: string | null;
  resourceVersion: string;
}

/** The Lease as the API server has it; undefined while it does not exist. */
async function readLease(namespace: string, name: string): Promise<LeaseState | undefined> {
  const got = await cluster.kubectl(["get", "lease", "-n", namespace, name, "-o", "json"]);
  if (got.exitCode !== 0) {
    if (got.stderr.includes("NotFound")) return undefined;
    throw new Error(`kubectl get lease ${namespace}/${name}: ${got.stderr}`);
  }
  const lease = JSON.parse(got.stdout);
  return {
    holderIdentity: lease.spec?.holderIdentity ?? null,
    resourceVersion: lease.metadata.resourceVersion,
  };
}

/** Flags of a patrol electing on the Lease `podpatrol` (the default name) in `leaseNs`. */
const electing = (leaseNs: string, identity: string) => [
  "--disable-rule=node-lost",
  "--disable-rule=failed",
  "--leader-elect",
  `--lease-namespace=${leaseNs}`,
  "--lease-duration=3s",
  `--identity=${identity}`,
];

/** Its first 'would evict' line for the pod. */
const wouldEvict = (patrol: PatrolProcess, ns: string, name: string) =>
  patrol.waitForLog(
    "dry-run line",
    (l) => l.dryRun === true && l.pod === `${ns}/${name}` && String(l.msg).includes("would evict"),
  );

describe("dry-run and leader election", () => {
  test("a dry run beside the leading patrol never takes nor renews its Lease, and still reports what it would do", async () => {
    const ns = await createNamespace(cluster);
    const elsewhere = await createNamespace(cluster); // the live patrol's pods: none
    await workload(cluster, ns, "dry", { replicas: 2 });
    const [pod] = await waitForRunningPods(cluster, ns, "app=dry", 2);
    const name = pod?.metadata?.name ?? "";
    await crashLoopPod(cluster, ns, name);

    // The real patrol leads on the Lease (it has no pods to act on).
    const live = await startPatrol(cluster.kubeconfigToken, [
      ...electing(ns, "live"),
      `--namespace=${elsewhere}`,
    ]);
    let dry: PatrolProcess | undefined;
    try {
      await live.waitForLog("live leads", (l) => l.msg === "became leader");
      // An SRE's dry run on the same Lease: it judges as the leader would, without leading.
      dry = await startPatrol(cluster.kubeconfigToken, [
        ...electing(ns, "dry-run"),
        `--namespace=${ns}`,
        "--dry-run",
      ]);
      const line = await wouldEvict(dry, ns, name);
      expect(line.msg).toBe(
        `dry-run: would evict pod ${ns}/${name}: container main in CrashLoopBackOff after 5 restarts (threshold 3)`,
      );
      expect(await dry.metric("opsctl_podpatrol_actions_total", { result: "dry_run" })).toBe(1);
      expect((await readLease(ns, "podpatrol"))?.holderIdentity).toBe("live");

      // The real patrol stops and hands the Lease back: the dry run must leave it free.
      expect(await live.stop()).toBe(0);
      const released = await readLease(ns, "podpatrol");
      expect(released?.holderIdentity).toBeNull();
      await Bun.sleep(3000); // several retry periods (0.4 s) and the released Lease's 1 s
      expect(await readLease(ns, "podpatrol")).toEqual(released);

      expect(dry.logs.some((l) => l.msg === "became leader")).toBe(false);
      expect(await dry.metric("opsctl_podpatrol_leader")).toBe(0);
      expect(await podExists(cluster, ns, name, pod?.metadata?.uid ?? "")).toBe(true);
      expect(await patrolEvents(cluster, ns)).toEqual([]);
    } finally {
      live.proc.kill("SIGKILL");
      if (dry) expect(await dry.stop()).toBe(0);
    }
  }, 120_000);

  test("SIGHUP dry-run -> live joins the election and acts once leader; back to dry-run hands the Lease back", async () => {
    const ns = await createNamespace(cluster);
    await workload(cluster, ns, "hup", { replicas: 2 });
    const [pod] = await waitForRunningPods(cluster, ns, "app=hup", 2);
    const name = pod?.metadata?.name ?? "";
    await crashLoopPod(cluster, ns, name);
    const config = writeConfig({ "dry-run": true });
    const patrol = await startPatrol(cluster.kubeconfigToken, [
      ...electing(ns, "switcher"),
      `--namespace=${ns}`,
      `--config=${config}`,
    ]);
    try {
      await waitReady(patrol);
      await wouldEvict(patrol, ns, name);
      expect(await readLease(ns, "podpatrol")).toBeUndefined();

      reloadConfig(patrol, config, { "dry-run": false });
      await patrol.waitForLog("reloaded", (l) => l.msg === "configuration reloaded");
      await patrol.waitForLog("leads", (l) => l.msg === "became leader");
      expect((await readLease(ns, "podpatrol"))?.holderIdentity).toBe("switcher");
      const evicted = await waitForEvent(
        cluster,
        ns,
        "evicted once leader",
        (e) => e.reason === "PatrolEvicted" && e.name === name,
      );
      expect(evicted.source).toBe("switcher");
      expect(await patrol.metric("opsctl_podpatrol_leader")).toBe(1);

      reloadConfig(patrol, config, { "dry-run": true });
      await patrol.waitForLog("steps down", (l) => l.msg === "stopped leading");
      const released = await waitUntil("the Lease released", async () => {
        const lease = await readLease(ns, "podpatrol");
        return lease?.holderIdentity === null ? lease : undefined;
      });
      await Bun.sleep(3000); // several retry periods: no renewal, no new take
      expect(await readLease(ns, "podpatrol")).toEqual(released);
      expect(await patrol.metric("opsctl_podpatrol_leader")).toBe(0);
    } finally {
      expect(await patrol.stop()).toBe(0);
    }
  }, 120_000);
});
