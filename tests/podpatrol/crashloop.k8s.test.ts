// podpatrol (compiled) against the real control plane: the crashloop rule acts, a Deployment's
// pod is replaced, and every safety gate holds: bare pod, DaemonSet pod, opt-out annotation,
// PDB refusing an eviction, cooldown, circuit breaker, rate limit, dry-run, SIGHUP reload.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import {
  crashLoopPod,
  createFakeNode,
  createNamespace,
  createPod,
  uniqueName,
  waitForRunningPods,
  waitUntil,
} from "../env/k8s-helpers.ts";
import {
  apply,
  livePods,
  patrolEvents,
  podExists,
  waitForEvent,
  workload,
} from "./k8s-fixtures.ts";
import {
  type PatrolProcess,
  reloadConfig,
  startPatrol,
  waitReady,
  writeConfig,
} from "./patrol-process.ts";

let cluster: TestCluster;
let node: string;

beforeAll(async () => {
  cluster = await startCluster();
  node = (await createFakeNode(cluster)).metadata?.name ?? "";
}, 180_000);

const common = ["--no-leader-elect", "--disable-rule=node-lost", "--disable-rule=failed"];

describe("crashloop with the safety gates (one patrol for the namespace)", () => {
  let ns: string;
  let patrol: PatrolProcess;

  beforeAll(async () => {
    ns = await createNamespace(cluster);
    patrol = await startPatrol(cluster.kubeconfigToken, [...common, `--namespace=${ns}`]);
    await waitReady(patrol);
  }, 120_000);
  afterAll(async () => {
    expect(await patrol.stop()).toBe(0);
  });

  test("a crash-looping Deployment pod is evicted and replaced; then the owner cools down", async () => {
    await workload(cluster, ns, "web", { replicas: 3 });
    const [first, second] = await waitForRunningPods(cluster, ns, "app=web", 3);
    const victim = { name: first?.metadata?.name ?? "", uid: first?.metadata?.uid ?? "" };
    await crashLoopPod(cluster, ns, victim.name, { restartCount: 4 });

    const evicted = await waitForEvent(
      cluster,
      ns,
      "PatrolEvicted",
      (e) => e.reason === "PatrolEvicted" && e.name === victim.name,
    );
    expect(evicted.message).toContain("CrashLoopBackOff after 4 restarts");
    await waitUntil(
      "victim gone",
      async () => !(await podExists(cluster, ns, victim.name, victim.uid)),
    );
    // The Deployment's controller replaced it: 3 running pods again, none of them the victim.
    const replaced = await waitForRunningPods(cluster, ns, "app=web", 3);
    expect(replaced.map((p) => p.metadata?.uid)).not.toContain(victim.uid);

    const line = await patrol.waitForLog(
      "action log",
      (l) => l.action === "evict" && l.pod === `${ns}/${victim.name}`,
    );
    expect(line.rule).toBe("crashloop");
    expect(line.owner).toBe(`${ns}/Deployment/web`);
    expect(
      await patrol.metric("opsctl_podpatrol_actions_total", {
        rule: "crashloop",
        action: "evict",
        result: "success",
      }),
    ).toBe(1);
    expect(
      await patrol.metric("opsctl_podpatrol_reaction_latency_seconds_count", { rule: "crashloop" }),
    ).toBe(1);

    // Another pod of the same Deployment within the cooldown: not touched, and said so.
    const other = { name: second?.metadata?.name ?? "", uid: second?.metadata?.uid ?? "" };
    await crashLoopPod(cluster, ns, other.name, { restartCount: 6 });
    const skipped = await waitForEvent(
      cluster,
      ns,
      "cooldown skip",
      (e) => e.reason === "PatrolSkipped" && e.name === other.name,
    );
    expect(skipped.message).toContain("cooldown");
    expect(await podExists(cluster, ns, other.name, other.uid)).toBe(true);
    expect(
      await patrol.metric("opsctl_podpatrol_skipped_total", {
        rule: "crashloop",
        reason: "cooldown",
      }),
    ).toBe(1);
  }, 120_000);

  test("a bare pod is never deleted", async () => {
    const name = uniqueName("bare");
    const pod = await createPod(cluster, ns, name);
    await crashLoopPod(cluster, ns, name);
    const skipped = await waitForEvent(
      cluster,
      ns,
      "bare-pod skip",
      (e) => e.reason === "PatrolSkipped" && e.name === name,
    );
    expect(skipped.message).toContain("bare-pod");
    expect(await podExists(cluster, ns, name, pod.metadata?.uid ?? "")).toBe(true);
  }, 90_000);

  test("an opted-out pod (opsctl.io/patrol: off) is never touched", async () => {
    await workload(cluster, ns, "optout", {
      replicas: 2,
      annotations: { "opsctl.io/patrol": "off" },
    });
    const [pod] = await waitForRunningPods(cluster, ns, "app=optout", 2);
    await crashLoopPod(cluster, ns, pod?.metadata?.name ?? "");
    const skipped = await waitForEvent(
      cluster,
      ns,
      "opt-out skip",
      (e) => e.reason === "PatrolSkipped" && e.name === pod?.metadata?.name,
    );
    expect(skipped.message).toContain("opted-out");
    expect(await podExists(cluster, ns, pod?.metadata?.name ?? "", pod?.metadata?.uid ?? "")).toBe(
      true,
    );
  }, 90_000);

  test("a DaemonSet pod is never touched", async () => {
    await workload(cluster, ns, "agent", {
      kind: "DaemonSet",
      podSpec: { nodeSelector: { "kubernetes.io/hostname": node } },
    });
    const [pod] = await waitForRunningPods(cluster, ns, "app=agent", 1);
    await crashLoopPod(cluster, ns, pod?.metadata?.name ?? "");
    const skipped = await waitForEvent(
      cluster,
      ns,
      "daemonset skip",
      (e) => e.reason === "PatrolSkipped" && e.name === pod?.metadata?.name,
    );
    expect(skipped.message).toContain("daemonset-pod");
    expect(await podExists(cluster, ns, pod?.metadata?.name ?? "", pod?.metadata?.uid ?? "")).toBe(
      true,
    );
  }, 90_000);

  test("a PodDisruptionBudget refusing the eviction (429) is respected, not bypassed", async () => {
    await workload(cluster, ns, "guarded", { replicas: 2 });
    await apply(cluster, {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "guarded", namespace: ns },
      spec: { minAvailable: 2, selector: { matchLabels: { app: "guarded" } } },
    });
    const [pod] = await waitForRunningPods(cluster, ns, "app=guarded", 2);
    const name = pod?.metadata?.name ?? "";
    await crashLoopPod(cluster, ns, name);
    // The decision first, from the patrol's own log: if it never comes, the timeout prints the
    // patrol's last lines (what it decided instead); if it comes and the Event does not, the
    // Event was lost. A CI run once timed out on the Event alone, with nothing to tell which.
    await patrol.waitForLog(
      "pdb skip decision",
      (l) => l.decision === "skip" && l.reason === "pdb" && l.pod === `${ns}/${name}`,
    );
    const blocked = await waitForEvent(
      cluster,
      ns,
      "pdb skip",
      (e) => e.reason === "PatrolSkipped" && e.name === name && e.message.includes("pdb"),
    );
    expect(blocked.message).toContain("PodDisruptionBudget");
    expect(
      await patrol.metric("opsctl_podpatrol_actions_total", {
        rule: "crashloop",
        result: "blocked",
      }),
    ).toBeGreaterThanOrEqual(1);
    // Retried later (eviction-retry), still refused: the pod is still there.
    await Bun.sleep(1500);
    expect(await podExists(cluster, ns, name, pod?.metadata?.uid ?? "")).toBe(true);
  }, 90_000);
});

describe("patrols started on an already failing cluster", () => {
  test("circuit breaker: a Deployment whose pods all crash is left alone, with an Event on it", async () => {
    const ns = await createNamespace(cluster);
    await workload(cluster, ns, "broken", { replicas: 3 });
    const pods = await waitForRunningPods(cluster, ns, "app=broken", 3);
    for (const p of pods) await crashLoopPod(cluster, ns, p.metadata?.name ?? "");
    const patrol = await startPatrol(cluster.kubeconfigToken, [...common, `--namespace=${ns}`]);
    try {
      const open = await waitForEvent(
        cluster,
        ns,
        "circuit open",
        (e) => e.reason === "PatrolCircuitOpen",
      );
      expect(open).toMatchObject({ kind: "Deployment", name: "broken" });
      expect(open.message).toContain("3 of 3 pods");
      expect(
        await patrol.metric("opsctl_podpatrol_circuit_trips_total", {
          rule: "crashloop",
          reason: "owner-failing",
        }),
      ).toBe(1);
      expect(await patrol.metric("opsctl_podpatrol_circuits_open")).toBe(1);
      await Bun.sleep(1000);
      for (const p of pods)
        expect(await podExists(cluster, ns, p.metadata?.name ?? "", p.metadata?.uid ?? "")).toBe(
          true,
        );
      expect(
        await patrol.metric("opsctl_podpatrol_actions_total", {
          rule: "crashloop",
          result: "success",
        }),
      ).toBe(0);
    } finally {
      await patrol.stop();
    }
  }, 120_000);

  test("rate limit: one action per minute, the next one waits", async () => {
    const ns = await createNamespace(cluster);
    await workload(cluster, ns, "a", { replicas: 2 });
    await workload(cluster, ns, "b", { replicas: 2 });
    const [a] = await waitForRunningPods(cluster, ns, "app=a", 2);
    const [b] = await waitForRunningPods(cluster, ns, "app=b", 2);
    await crashLoopPod(cluster, ns, a?.metadata?.name ?? "");
    await crashLoopPod(cluster, ns, b?.metadata?.name ?? "");
    const config = writeConfig({ limits: { perMinute: 1 } });
    const patrol = await startPatrol(cluster.kubeconfigToken, [
      ...common,
      `--namespace=${ns}`,
      `--config=${config}`,
    ]);
    try {
      await waitForEvent(cluster, ns, "one eviction", (e) => e.reason === "PatrolEvicted");
      const limited = await waitForEvent(
        cluster,
        ns,
        "rate limited",
        (e) => e.reason === "PatrolSkipped" && e.message.includes("rate-limit-global"),
      );
      const events = await patrolEvents(cluster, ns);
      expect(events.filter((e) => e.reason === "PatrolEvicted")).toHaveLength(1);
      const survivor = [a, b].find((p) => p?.metadata?.name === limited.name);
      expect(
        await podExists(cluster, ns, survivor?.metadata?.name ?? "", survivor?.metadata?.uid ?? ""),
      ).toBe(true);
    } finally {
      await patrol.stop();
    }
  }, 120_000);

  test("--dry-run logs exactly what it would do and changes nothing", async () => {
    const ns = await createNamespace(cluster);
    await workload(cluster, ns, "dry", { replicas: 2 });
    const [pod] = await waitForRunningPods(cluster, ns, "app=dry", 2);
    const name = pod?.metadata?.name ?? "";
    await crashLoopPod(cluster, ns, name);
    const patrol = await startPatrol(cluster.kubeconfigToken, [
      ...common,
      `--namespace=${ns}`,
      "--dry-run",
    ]);
    try {
      const line = await patrol.waitForLog(
        "dry-run line",
        (l) => l.dryRun === true && l.pod === `${ns}/${name}`,
      );
      expect(line.msg).toBe(
        `dry-run: would evict pod ${ns}/${name}: container main in CrashLoopBackOff after 5 restarts (threshold 3)`,
      );
      expect(await patrol.metric("opsctl_podpatrol_actions_total", { result: "dry_run" })).toBe(1);
      await Bun.sleep(1500);
      expect(await podExists(cluster, ns, name, pod?.metadata?.uid ?? "")).toBe(true);
      expect(await patrolEvents(cluster, ns)).toEqual([]);
      expect((await livePods(cluster, ns, "dry")).length).toBe(2);
    } finally {
      await patrol.stop();
    }
  }, 120_000);

  test("SIGHUP applies a valid config and keeps the old one on an invalid one", async () => {
    const ns = await createNamespace(cluster);
    await workload(cluster, ns, "hup", { replicas: 2 });
    const [pod] = await waitForRunningPods(cluster, ns, "app=hup", 2);
    const name = pod?.metadata?.name ?? "";
    const config = writeConfig({ rules: { crashloop: { restarts: 50 } } });
    const patrol = await startPatrol(cluster.kubeconfigToken, [
      ...common,
      `--namespace=${ns}`,
      `--config=${config}`,
    ]);
    try {
      await waitReady(patrol);
      await crashLoopPod(cluster, ns, name, { restartCount: 5 });
      await Bun.sleep(1500);
      expect(await podExists(cluster, ns, name, pod?.metadata?.uid ?? "")).toBe(true); // 5 < 50

      reloadConfig(patrol, config, { rules: { crashloop: { restarts: "lots" } } });
      const rejected = await patrol.waitForLog("rejected", (l) =>
        String(l.msg).startsWith("configuration not reloaded"),
      );
      expect(rejected.msg).toContain("podpatrol.rules.crashloop.restarts");
      expect(
        await patrol.metric("opsctl_podpatrol_config_reloads_total", { result: "invalid" }),
      ).toBe(1);
      await Bun.sleep(1000);
      expect(await podExists(cluster, ns, name, pod?.metadata?.uid ?? "")).toBe(true); // old config kept

      reloadConfig(patrol, config, { rules: { crashloop: { restarts: 3 } } });
      await patrol.waitForLog("reloaded", (l) => l.msg === "configuration reloaded");
      await waitForEvent(
        cluster,
        ns,
        "evicted after reload",
        (e) => e.reason === "PatrolEvicted" && e.name === name,
      );
      expect(
        await patrol.metric("opsctl_podpatrol_config_reloads_total", { result: "success" }),
      ).toBe(1);
    } finally {
      await patrol.stop();
    }
  }, 120_000);
});
