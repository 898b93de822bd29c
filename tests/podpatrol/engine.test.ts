// The engine's decisions, deterministic (injected clock), with a recording actuator standing in
// for the API server; the real API-server paths are covered by the *.k8s.test.ts files.
import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import { Logger } from "../../lib/cli/log.ts";
import { buildConfig, type PatrolFlags } from "../../lib/podpatrol/config.ts";
import { PatrolEngine } from "../../lib/podpatrol/engine.ts";
import type { ActionResult, Actuator } from "../../lib/podpatrol/kube/actuator.ts";
import type { EventSink, ObjectRef } from "../../lib/podpatrol/kube/events.ts";
import type { Node, Pod } from "../../lib/podpatrol/kube-types.ts";
import { PatrolMetrics } from "../../lib/podpatrol/metrics.ts";
import { crashing, defaultFlags as flags, node, pod, T0 } from "./fixtures.ts";

function harness(flagOverrides: Partial<PatrolFlags> = {}, section: Record<string, unknown> = {}) {
  let now = T0;
  const calls: string[] = [];
  const events: { ref: ObjectRef; reason: string; message: string }[] = [];
  const logs: string[] = [];
  let evictResult: ActionResult = "success";
  /** Runs while a delete call is in flight (e.g. the watch event of that delete arriving first). */
  let duringDelete: ((p: Pod) => void) | undefined;
  /** While set, evictions wait for it: an API call in flight. */
  let evictGate: Promise<void> | undefined;
  const actuator: Actuator = {
    async evict(p: Pod) {
      calls.push(`evict ${p.metadata.name}`);
      if (evictGate) await evictGate;
      return evictResult;
    },
    async delete(p: Pod, force: boolean) {
      calls.push(`${force ? "force-delete" : "delete"} ${p.metadata.name}`);
      duringDelete?.(p);
      return "success";
    },
    async setNodeTaints(n: Node, effects: string[]) {
      calls.push(`taint ${n.metadata.name} [${effects.join(",")}]`);
      return "success";
    },
  };
  const sink: EventSink = {
    emit: (ref, _type, reason, message) => void events.push({ ref, reason, message }),
  };
  const registry = new Registry();
  const log = new Logger({
    tool: "podpatrol",
    level: "info",
    format: "json",
    color: false,
    write: (l) => void logs.push(l),
  });
  const engine = new PatrolEngine(buildConfig({ ...flags, ...flagOverrides }, section), {
    log,
    metrics: new PatrolMetrics(registry, () => 0),
    actuator,
    events: sink,
    isLeader: () => true,
    now: () => now,
  });
  const settle = async () => {
    engine.kick();
    for (let i = 0; i < 5; i++) await Bun.sleep(1);
  };
  return {
    engine,
    calls,
    events,
    logs,
    registry,
    settle,
    advance: (ms: number) => {
      now += ms;
    },
    blockEvictions: (result: ActionResult) => {
      evictResult = result;
    },
    onDelete: (hook: (p: Pod) => void) => {
      duringDelete = hook;
    },
    /** Evictions hang until the returned function is called. */
    holdEvictions: () => {
      let release = () => {};
      evictGate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return release;
    },
  };
}

const crashed = (name: string, uid = name, owner = "web") =>
  pod(
    {
      name,
      uid,
      labels: { app: owner, "pod-template-hash": "h" },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: `${owner}-h`,
          uid: owner,
          controller: true,
        },
      ],
    },
    { phase: "Running", containerStatuses: [crashing(5)] },
  );
const healthy = (name: string, owner = "web") =>
  pod({
    name,
    uid: name,
    labels: { app: owner, "pod-template-hash": "h" },
    ownerReferences: [
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: `${owner}-h`,
        uid: owner,
        controller: true,
      },
    ],
  });

describe("engine", () => {
  test("acts once per pod, then the owner cools down", async () => {
    const h = harness();
    for (const p of [healthy("b"), healthy("c"), healthy("d")]) h.engine.podUpserted(p, undefined);
    h.engine.podUpserted(crashed("a"), undefined);
    await h.settle();
    expect(h.calls).toEqual(["evict a"]);
    expect(h.events.map((e) => e.reason)).toEqual(["PatrolEvicted"]);
    h.engine.podRemoved(crashed("a")); // the eviction went through
    h.engine.podUpserted(crashed("b"), undefined);
    await h.settle();
    expect(h.calls).toEqual(["evict a"]);
    expect(h.events.at(-1)?.message).toContain("cooldown");
    h.advance(601_000);
    await h.settle();
    expect(h.calls).toEqual(["evict a", "evict b"]);
  });

  test("a pod outside --namespace is out of scope: no Event, no log; an excluded one says why", async () => {
    const scoped = harness({ namespace: ["other"] });
    scoped.engine.podUpserted(healthy("b"), undefined);
    scoped.engine.podUpserted(crashed("a"), undefined);
    await scoped.settle();
    expect(scoped.calls).toEqual([]);
    // A patrol given one namespace writes nothing into the others (not even "not acting").
    expect(scoped.events).toEqual([]);
    expect(scoped.logs.join("")).not.toContain("shop/a");
    const excluding = harness({ excludeNamespace: ["shop"] });
    excluding.engine.podUpserted(healthy("b"), undefined);
    excluding.engine.podUpserted(crashed("a"), undefined);
    await excluding.settle();
    expect(excluding.calls).toEqual([]);
    expect(excluding.events.map((e) => e.reason)).toEqual(["PatrolSkipped"]);
    expect(excluding.events[0]?.message).toContain("namespace shop is excluded");
  });

  test("dry-run: logs what it would do, calls nothing, emits no Events", async () => {
    const h = harness({ dryRun: true });
    h.engine.podUpserted(healthy("b"), undefined);
    h.engine.podUpserted(crashed("a"), undefined);
    await h.settle();
    expect(h.calls).toEqual([]);
    expect(h.events).toEqual([]);
    expect(h.logs.join("")).toContain("dry-run: would evict pod shop/a");
  });

  test("dry-run switched off by a reload acts on what the dry run only reported", async () => {
    // The usual rollout: run with dry-run: true, read the logs, set it false and send SIGHUP.
    const h = harness({ dryRun: true });
    for (const p of [healthy("b"), healthy("c"), healthy("d")]) h.engine.podUpserted(p, undefined);
    h.engine.podUpserted(crashed("a"), undefined);
    await h.settle();
    expect(h.logs.join("")).toContain("dry-run: would evict pod shop/a");
    h.engine.setConfig(buildConfig({ ...flags, dryRun: false }, {}));
    h.advance(1_000);
    await h.settle();
    // Not "already done" to pod a, and no cooldown for web that no real action started.
    expect(h.calls).toEqual(["evict a"]);
    expect(h.events.map((e) => e.reason)).toEqual(["PatrolEvicted"]);
  });

  test("circuit breaker: all pods of an owner crashing -> no action, one Event on the Deployment", async () => {
    const h = harness();
    for (const name of ["a", "b", "c"]) h.engine.podUpserted(crashed(name), undefined);
    await h.settle();
    // The first pod may be acted on before the others arrive (as in a live cluster)...
    const before = h.calls.length;
    h.advance(700_000);
    await h.settle();
    // ...but once most are failing, nothing more.
    expect(h.calls.length).toBe(before);
    const open = h.events.filter((e) => e.reason === "PatrolCircuitOpen");
    expect(open).toHaveLength(1);
    expect(open[0]?.ref).toMatchObject({ kind: "Deployment", name: "web" });
  });

  test("a PDB refusal is retried after eviction-retry, not bypassed by a delete", async () => {
    const h = harness({}, { "eviction-retry": "10s" });
    h.engine.podUpserted(healthy("b"), undefined);
    h.engine.podUpserted(healthy("c"), undefined);
    h.blockEvictions("blocked");
    h.engine.podUpserted(crashed("a"), undefined);
    await h.settle();
    expect(h.calls).toEqual(["evict a"]);
    expect(h.events.at(-1)?.message).toContain("PodDisruptionBudget");
    h.advance(5_000);
    await h.settle();
    expect(h.calls).toEqual(["evict a"]);
    h.blockEvictions("success");
    h.advance(6_000);
    await h.settle();
    expect(h.calls).toEqual(["evict a", "evict a"]);
    expect(h.events.at(-1)?.reason).toBe("PatrolEvicted");
  });

  test("the API server throttling the eviction (429, no budget) is retried soon, no PDB blamed", async () => {
    const h = harness({}, { "eviction-retry": "60s" });
    h.engine.podUpserted(healthy("b"), undefined);
    h.engine.podUpserted(healthy("c"), undefined);
    h.blockEvictions("throttled");
    h.engine.podUpserted(crashed("a"), undefined);
    await h.settle();
    expect(h.calls).toEqual(["evict a"]);
    expect(h.events.map((e) => e.message).join("")).not.toContain("PodDisruptionBudget");
    expect(h.logs.join("")).toContain(
      "the API server is throttling requests (429 Too Many Requests)",
    );
    expect(await h.registry.metrics()).toContain(
      'opsctl_podpatrol_actions_total{rule="crashloop",action="evict",result="throttled"} 1',
    );
    h.blockEvictions("success");
    h.advance(6_000); // well before eviction-retry's 60 s
    await h.settle();
    expect(h.calls).toEqual(["evict a", "evict a"]);
    expect(h.events.at(-1)?.reason).toBe("PatrolEvicted");
  });

  test("a pod that changed between decision and action (409) is judged again, not counted done", async () => {
    const h = harness();
    for (const p of [healthy("b"), healthy("c"), healthy("d")]) h.engine.podUpserted(p, undefined);
    h.blockEvictions("changed");
    h.engine.podUpserted(crashed("a"), undefined);
    await h.settle();
    expect(h.calls).toEqual(["evict a"]);
    expect(h.events.map((e) => e.reason)).toEqual([]);
    expect(h.logs.join("")).toContain("changed meanwhile");
    expect(await h.registry.metrics()).toContain(
      'opsctl_podpatrol_actions_total{rule="crashloop",action="evict",result="changed"} 1',
    );
    // Still crash-looping in its latest copy: acted on again (no cooldown, no "already done").
    h.blockEvictions("success");
    h.advance(2_000);
    await h.settle();
    expect(h.calls).toEqual(["evict a", "evict a"]);
    expect(h.events.map((e) => e.reason)).toEqual(["PatrolEvicted"]);
  });

  test("a pod that recovered between decision and action is left alone", async () => {
    const h = harness();
    for (const p of [healthy("b"), healthy("c"), healthy("d")]) h.engine.podUpserted(p, undefined);
    h.blockEvictions("changed");
    const before = crashed("a");
    h.engine.podUpserted(before, undefined);
    await h.settle();
    h.engine.podUpserted(healthy("a"), before);
    h.blockEvictions("success");
    h.advance(2_000);
    await h.settle();
    expect(h.calls).toEqual(["evict a"]);
  });

  test("node-lost: taint, evict its pods, untaint on recovery", async () => {
    const h = harness({}, { rules: { "node-lost": { after: "10s", noExecuteAfter: 0 } } });
    h.engine.markNodesSynced();
    h.engine.nodeUpserted(node("n1", "True"), undefined);
    h.engine.podUpserted(healthy("a"), undefined);
    h.engine.podUpserted(healthy("z", "api"), undefined);
    const lost = node("n1", "Unknown", T0);
    h.engine.nodeUpserted(lost, node("n1", "True"));
    await h.settle();
    expect(h.calls).toEqual([]);
    h.advance(11_000);
    h.engine.kick();
    await h.settle();
    expect(h.calls).toContain("taint n1 [NoSchedule]");
    expect(h.calls.filter((c) => c.startsWith("evict")).sort()).toEqual(["evict a", "evict z"]);
    const tainted = node("n1", "Unknown", T0, {
      taints: [{ key: "opsctl.io/node-lost", effect: "NoSchedule" }],
    });
    h.engine.nodeUpserted(tainted, lost);
    const back = node("n1", "True", T0 + 20_000, {
      taints: [{ key: "opsctl.io/node-lost", effect: "NoSchedule" }],
    });
    h.engine.nodeUpserted(back, tainted);
    await h.settle();
    expect(h.calls.at(-1)).toBe("taint n1 []");
    expect(h.events.at(-1)?.reason).toBe("PatrolUntainted");
  });

  test("node-lost: the pods of a node found lost by any pass are evicted in that pass, with its taint", async () => {
    const h = harness({}, { rules: { "node-lost": { after: "10s", noExecuteAfter: 0 } } });
    h.engine.markNodesSynced();
    h.engine.nodeUpserted(node("n1", "True"), undefined);
    h.engine.podUpserted(healthy("a"), undefined);
    h.engine.nodeUpserted(node("n1", "Unknown", T0), node("n1", "True"));
    await h.settle();
    h.advance(11_000);
    // A pass started by any change (here another pod), before the periodic tick comes round.
    h.engine.podUpserted(healthy("b", "api"), undefined);
    await h.settle();
    expect(h.calls).toContain("taint n1 [NoSchedule]");
    expect(h.calls.filter((c) => c.startsWith("evict")).sort()).toEqual(["evict a", "evict b"]);
  });

  test("node-lost: a node clock running behind does not skip the grace period", async () => {
    const h = harness({}, { rules: { "node-lost": { after: "60s", noExecuteAfter: 0 } } });
    h.engine.markNodesSynced();
    h.engine.nodeUpserted(node("n1", "True"), undefined);
    h.engine.podUpserted(healthy("a"), undefined);
    // The kubelet stamps its Ready condition with its own clock, here an hour behind ours: the
    // transition we just saw looks an hour old.
    h.engine.nodeUpserted(node("n1", "False", T0 - 3_600_000), node("n1", "True"));
    h.engine.kick();
    await h.settle();
    expect(h.calls).toEqual([]);
    h.advance(61_000);
    h.engine.kick();
    await h.settle();
    expect(h.calls).toContain("taint n1 [NoSchedule]");
  });

  test("node-lost: most nodes NotReady at once -> no taints, no evictions, reported once; resumes when they return", async () => {
    const h = harness({}, { rules: { "node-lost": { after: "10s", noExecuteAfter: "20s" } } });
    h.engine.markNodesSynced();
    const names = ["n1", "n2", "n3", "n4", "n5"];
    for (const name of names) h.engine.nodeUpserted(node(name, "True"), undefined);
    h.engine.podUpserted(pod({ name: "a", uid: "a" }, { phase: "Running" }, "n1"), undefined);
    // A partition: 3 of 5 nodes (over 0.55) stop reporting at once.
    for (const name of ["n1", "n2", "n3"])
      h.engine.nodeUpserted(node(name, "Unknown", T0), node(name, "True"));
    for (let i = 0; i < 4; i++) {
      h.advance(11_000);
      h.engine.kick();
      await h.settle();
    }
    expect(h.calls).toEqual([]);
    const held = h.logs.filter((l) => l.includes("mass-node-loss") && l.includes('"warn"'));
    expect(held).toHaveLength(1);
    expect(h.events.map((e) => e.reason)).toContain("PatrolCircuitOpen");
    const metrics = await h.registry.metrics();
    expect(metrics).toContain(
      'opsctl_podpatrol_circuit_trips_total{rule="node-lost",reason="mass-node-loss"} 1',
    );
    // Two come back: 1 of 5 NotReady, node-lost goes on with n1.
    for (const name of ["n2", "n3"])
      h.engine.nodeUpserted(node(name, "True", T0 + 50_000), node(name, "Unknown", T0));
    h.advance(6_000); // a held node is looked at again every 5 s
    h.engine.kick();
    await h.settle();
    expect(h.calls).toContain("taint n1 [NoSchedule]");
    expect(h.calls).toContain("evict a");
    expect(h.logs.some((l) => l.includes("node-lost resumed"))).toBe(true);
  });

  test("node-lost: a NoSchedule taint is not escalated to NoExecute while most nodes are NotReady", async () => {
    const h = harness({}, { rules: { "node-lost": { after: "10s", noExecuteAfter: "20s" } } });
    h.engine.markNodesSynced();
    for (const name of ["n1", "n2", "n3", "n4", "n5"])
      h.engine.nodeUpserted(node(name, "True"), undefined);
    const tainted = node("n1", "Unknown", T0, {
      taints: [{ key: "opsctl.io/node-lost", effect: "NoSchedule" }],
    });
    h.engine.nodeUpserted(tainted, node("n1", "True"));
    for (const name of ["n2", "n3"])
      h.engine.nodeUpserted(node(name, "Unknown", T0), node(name, "True"));
    h.advance(60_000);
    h.engine.kick();
    await h.settle();
    expect(h.calls).toEqual([]);
  });

  test("stuck: the Terminating update arriving while the delete call is still in flight is not lost", async () => {
    const h = harness(
      { cooldown: 0, forceDeleteOnLostNode: true, disableRule: ["node-lost"] },
      { rules: { stuck: { pendingAfter: "1s", terminatingAfter: "1s" } } },
    );
    h.engine.nodeUpserted(node("n1", "False"), undefined);
    const pending = pod({ name: "p", uid: "p" }, { phase: "Pending" });
    // The watch delivers the pod's deletionTimestamp before the DELETE's own response returns
    // (two connections; the order is up to the network and a loaded machine).
    h.onDelete((p) => {
      if (p.metadata.deletionTimestamp) return;
      const deadline = new Date(T0 + 3_000).toISOString();
      const terminating = { ...p, metadata: { ...p.metadata, deletionTimestamp: deadline } };
      h.engine.podUpserted(terminating, p);
    });
    h.engine.podUpserted(pending, undefined);
    h.advance(2_000);
    await h.settle();
    expect(h.calls).toEqual(["delete p"]);
    // Nothing about that pod changes again (no kubelet): the engine must still come back to it.
    h.advance(3_000);
    await h.settle();
    expect(h.calls).toEqual(["delete p", "force-delete p"]);
    expect(h.events.at(-1)?.reason).toBe("PatrolForceDeleted");
  });

  test("stuck: no force delete on a lost node while most nodes are NotReady (node-lost off too)", async () => {
    const h = harness(
      { cooldown: 0, forceDeleteOnLostNode: true, disableRule: ["node-lost"] },
      { rules: { stuck: { pendingAfter: "1s", terminatingAfter: "1s" } } },
    );
    for (const name of ["n1", "n2", "n3", "n4"])
      h.engine.nodeUpserted(node(name, "True"), undefined);
    for (const name of ["n1", "n2", "n3"])
      h.engine.nodeUpserted(node(name, "Unknown", T0), node(name, "True"));
    const deadline = new Date(T0).toISOString();
    const terminating = pod(
      { name: "p", uid: "p", deletionTimestamp: deadline },
      { phase: "Running" },
      "n1",
    );
    h.engine.podUpserted(terminating, undefined);
    h.advance(5_000);
    await h.settle();
    expect(h.calls).toEqual([]);
    // Two nodes come back: one lost node of four is a dead kubelet, not a partition.
    for (const name of ["n2", "n3"])
      h.engine.nodeUpserted(node(name, "True", T0 + 5_000), node(name, "Unknown", T0));
    h.advance(6_000);
    h.engine.kick();
    await h.settle();
    expect(h.calls).toEqual(["force-delete p"]);
  });

  test("bare pods are reported, never acted on", async () => {
    const h = harness();
    h.engine.podUpserted(
      pod(
        { name: "bare", uid: "bare", ownerReferences: [] },
        { phase: "Running", containerStatuses: [crashing(9)] },
      ),
      undefined,
    );
    await h.settle();
    expect(h.calls).toEqual([]);
    expect(h.events[0]?.message).toContain("bare-pod");
  });

  test("stop() waits for the action in flight, and starts none after it", async () => {
    // SIGTERM while an eviction is on its way: the daemon released the Lease and exited at once,
    // so the eviction the API server carried out had no log line, no Event, no metric.
    const h = harness();
    const release = h.holdEvictions();
    h.engine.podUpserted(crashed("a"), undefined);
    await h.settle();
    expect(h.calls).toEqual(["evict a"]);
    let stopped = false;
    const stopping = h.engine.stop().then(() => {
      stopped = true;
    });
    // A pod arriving while stopping is not acted on.
    h.engine.podUpserted(crashed("z", "z", "other"), undefined);
    await h.settle();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(h.calls).toEqual(["evict a"]);
    expect(h.events.map((e) => e.reason)).toEqual(["PatrolEvicted"]);
    expect(h.logs.some((l) => l.includes("evict (") && l.includes("shop/a"))).toBe(true);
  });
});
