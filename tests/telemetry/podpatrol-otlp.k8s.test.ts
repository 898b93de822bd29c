/**
 * podpatrol (compiled) against the real control plane with OTLP on: a remediation is one trace
 * with the pod's attributes, its log line carries that trace id, and the daemon's own registry
 * (/metrics) arrives over OTLP while it runs; the k8s resource comes from the downward-API names.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import {
  crashLoopPod,
  createFakeNode,
  createNamespace,
  waitForRunningPods,
} from "../env/k8s-helpers.ts";
import { type Collector, type Received, startCollector, waitForReceived } from "../env/otelcol.ts";
import { workload } from "../podpatrol/k8s-fixtures.ts";
import { type PatrolProcess, startPatrol, waitReady } from "../podpatrol/patrol-process.ts";

let cluster: TestCluster;
let collector: Collector;
let patrol: PatrolProcess | undefined;

beforeAll(async () => {
  [cluster, collector] = await Promise.all([startCluster(), startCollector()]);
  await createFakeNode(cluster);
}, 600_000);

afterAll(async () => {
  if (patrol) expect(await patrol.stop()).toBe(0);
});

test("an eviction is a trace of its own; its log and the patrol metrics arrive", async () => {
  const ns = await createNamespace(cluster);
  const id = `patrol${process.pid}`;
  patrol = await startPatrol(
    cluster.kubeconfigToken,
    ["--no-leader-elect", "--disable-rule=node-lost", "--disable-rule=failed", `--namespace=${ns}`],
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpEndpoint,
      OTEL_RESOURCE_ATTRIBUTES: `test.id=${id}`,
      OTEL_BSP_SCHEDULE_DELAY: "100",
      OTEL_BLRP_SCHEDULE_DELAY: "100",
      OTEL_METRIC_EXPORT_INTERVAL: "300",
      POD_NAME: "podpatrol-6c9d",
      POD_NAMESPACE: "opsctl-system",
    },
  );
  await waitReady(patrol);
  await workload(cluster, ns, "web", { replicas: 2 });
  const [first] = await waitForRunningPods(cluster, ns, "app=web", 2);
  const victim = first?.metadata?.name ?? "";
  await crashLoopPod(cluster, ns, victim, { restartCount: 4 });

  const received = await waitForReceived(
    collector,
    id,
    (r) =>
      r.spans.some((s) => s.name === "remediate evict") &&
      r.logs.some((l) => String(l.body).includes(`evict`) && l.traceId !== "") &&
      evictionsCounted(r) >= 1,
    60_000,
  );
  const evict = received.spans.find((s) => s.name === "remediate evict");
  expect(evict?.attributes).toMatchObject({
    "k8s.namespace.name": ns,
    "k8s.pod.name": victim,
    "opsctl.rule": "crashloop",
    "opsctl.action": "evict",
  });
  expect(evict?.parentSpanId).toBe(""); // a daemon: one trace per remediation
  expect(evict?.links).toHaveLength(1); // linked to the run span
  expect(evict?.status.code ?? 0).toBe(0);
  const log = received.logs.find((l) => l.traceId === evict?.traceId);
  expect(log?.spanId).toBe(evict?.spanId ?? "missing");
  expect(String(log?.body)).toContain("podpatrol crashloop: evict");
  expect(evict?.resource["k8s.pod.name"]).toBe("podpatrol-6c9d");
  expect(evict?.resource["k8s.namespace.name"]).toBe("opsctl-system");
  expect(evict?.resource["service.name"]).toBe("podpatrol");
  expect(evictionsCounted(received)).toBe(1);
}, 300_000);

/** The latest cumulative value of opsctl_podpatrol_actions_total{rule=crashloop,action=evict}. */
function evictionsCounted(received: Received): number {
  const points = received.metrics
    .filter((m) => m.name === "opsctl_podpatrol_actions_total")
    .flatMap((m) => m.points)
    .filter((p) => p.attributes.rule === "crashloop" && p.attributes.action === "evict");
  return Math.max(0, ...points.map((p) => p.value ?? 0));
}
