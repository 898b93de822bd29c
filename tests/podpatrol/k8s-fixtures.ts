// Cluster-side fixtures for the podpatrol integration tests, on top of tests/env/k8s-helpers.
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestCluster } from "../env/k8s.ts";
import { adminClients, uniqueName, waitUntil } from "../env/k8s-helpers.ts";

export interface EventSummary {
  reason: string;
  message: string;
  kind: string;
  name: string;
  source: string;
}

/** podpatrol's Events in a namespace (core/v1), newest last. */
export async function patrolEvents(
  cluster: TestCluster,
  namespace: string,
): Promise<EventSummary[]> {
  const { core } = adminClients(cluster);
  const list = await core.listNamespacedEvent({ namespace });
  return list.items
    .filter((e) => e.source?.component === "podpatrol")
    .map((e) => ({
      reason: e.reason ?? "",
      message: e.message ?? "",
      kind: e.involvedObject.kind ?? "",
      name: e.involvedObject.name ?? "",
      source: e.source?.host ?? "",
    }));
}

export async function waitForEvent(
  cluster: TestCluster,
  namespace: string,
  what: string,
  predicate: (e: EventSummary) => boolean,
  timeoutMs = 30_000,
): Promise<EventSummary> {
  return await waitUntil(
    what,
    async () => (await patrolEvents(cluster, namespace)).find(predicate),
    timeoutMs,
  );
}

/**
 * `kubectl auth can-i ARGS` as `account` (system:serviceaccount:NS:NAME). Anything but a plain
 * yes or no (kubectl failed) throws: a "cannot" assertion must not pass on an error.
 */
export async function accountCan(
  cluster: TestCluster,
  account: string,
  args: string[],
): Promise<boolean> {
  const result = await cluster.kubectl(["auth", "can-i", `--as=${account}`, ...args]);
  const answer = result.stdout.trim();
  if (answer !== "yes" && answer !== "no")
    throw new Error(`can-i ${args.join(" ")}: ${result.stderr}`);
  return answer === "yes";
}

/** Applies a manifest (YAML or JSON text) with kubectl as admin. */
export async function apply(cluster: TestCluster, manifest: unknown): Promise<void> {
  const text = typeof manifest === "string" ? manifest : JSON.stringify(manifest);
  const result = await cluster.kubectl(["apply", "-f", "-"], { stdin: text });
  if (result.exitCode !== 0) throw new Error(`kubectl apply: ${result.stderr}`);
}

/** Names and uids of a Deployment's live pods (not terminating). */
export async function livePods(cluster: TestCluster, namespace: string, app: string) {
  const { core } = adminClients(cluster);
  const list = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return list.items
    .filter((p) => !p.metadata?.deletionTimestamp)
    .map((p) => ({
      name: p.metadata?.name ?? "",
      uid: p.metadata?.uid ?? "",
      phase: p.status?.phase ?? "",
    }));
}

/** True while a pod with this uid still exists (even Terminating). */
export async function podExists(
  cluster: TestCluster,
  namespace: string,
  name: string,
  uid: string,
): Promise<boolean> {
  const { core } = adminClients(cluster);
  try {
    const pod = await core.readNamespacedPod({ namespace, name });
    return pod.metadata?.uid === uid && !pod.metadata?.deletionTimestamp;
  } catch {
    return false;
  }
}

export interface DeploymentOptions {
  replicas?: number;
  annotations?: Record<string, string>;
  /** Extra pod spec fields (nodeSelector, nodeName, containers...). */
  podSpec?: Record<string, unknown>;
  kind?: "Deployment" | "DaemonSet";
}

/** A Deployment (or DaemonSet) of fake pods labelled app=<name>. */
export async function workload(
  cluster: TestCluster,
  namespace: string,
  name: string,
  options: DeploymentOptions = {},
) {
  const kind = options.kind ?? "Deployment";
  await apply(cluster, {
    apiVersion: "apps/v1",
    kind,
    metadata: { name, namespace },
    spec: {
      ...(kind === "Deployment" ? { replicas: options.replicas ?? 2 } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: options.annotations ?? {} },
        spec: {
          containers: [{ name: "main", image: "registry.invalid/app:1" }],
          terminationGracePeriodSeconds: 1,
          ...options.podSpec,
        },
      },
    },
  });
}

/**
 * A copy of the cluster's token kubeconfig whose server is https://127.0.0.1:`port`: a proxy in
 * front of the API server (same host, so the serving certificate still matches).
 */
export function kubeconfigThrough(cluster: TestCluster, port: number): string {
  const config = JSON.parse(readFileSync(cluster.kubeconfigToken, "utf8"));
  config.clusters[0].cluster.server = `https://127.0.0.1:${port}`;
  const file = join(tmpdir(), `${uniqueName("proxied")}.kubeconfig`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}
