// Test helpers on top of tests/env/k8s.ts: fake nodes (kwok), node/pod failure states, and
// waiting for the cluster to converge. Every helper talks to the real API server through
// lib/k8s as the client-certificate admin.
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1Node,
  type V1Pod,
} from "@kubernetes/client-node";
import { loadKubeconfigFile, makeApiClient } from "../../lib/k8s/index.ts";
import { waitUntil } from "../helpers/wait-until.ts";
import { FAKE_NODE_ANNOTATION, type TestCluster } from "./k8s.ts";

// Kept importable from here, where the k8s tests have always found it.
export { waitUntil };

export interface AdminClients {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
}

const clientsByCluster = new WeakMap<TestCluster, AdminClients>();

/** Admin API clients (client-certificate user) for the cluster, via lib/k8s. */
export function adminClients(cluster: TestCluster): AdminClients {
  let clients = clientsByCluster.get(cluster);
  if (!clients) {
    const kc = loadKubeconfigFile(cluster.kubeconfigCert);
    clients = { kc, core: makeApiClient(kc, CoreV1Api), apps: makeApiClient(kc, AppsV1Api) };
    clientsByCluster.set(cluster, clients);
  }
  return clients;
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
let uniqueCounter = 0;
/** A DNS-safe name unique within this test run. */
/** `kubectl apply -k DIR` (one of deploy/'s kustomizations); throws with kubectl's stderr. */
export async function applyKustomization(cluster: TestCluster, dir: string): Promise<void> {
  const applied = await cluster.kubectl(["apply", "-k", dir]);
  if (applied.exitCode !== 0) throw new Error(`kubectl apply -k ${dir}: ${applied.stderr}`);
}

export function uniqueName(prefix: string): string {
  uniqueCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${uniqueCounter}`;
}

/** Creates a namespace and waits for its default ServiceAccount (pods are refused before it). */
export async function createNamespace(
  cluster: TestCluster,
  name = uniqueName("t"),
): Promise<string> {
  const { core } = adminClients(cluster);
  await core.createNamespace({ body: { metadata: { name } } });
  await waitUntil(`ServiceAccount ${name}/default`, () =>
    core.readNamespacedServiceAccount({ namespace: name, name: "default" }),
  );
  return name;
}

function nodeReady(node: V1Node): string | undefined {
  return node.status?.conditions?.find((c) => c.type === "Ready")?.status;
}

export interface FakeNodeOptions {
  labels?: Record<string, string>;
  /** Capacity = allocatable; kwok's default is cpu 1k, memory 1Ti, pods 1M. */
  cpu?: string;
  memory?: string;
  pods?: string;
}

/** Creates a Node that kwok manages (annotation kwok.x-k8s.io/node=fake) and waits until Ready. */
export async function createFakeNode(
  cluster: TestCluster,
  name = uniqueName("node"),
  options: FakeNodeOptions = {},
): Promise<V1Node> {
  const { core } = adminClients(cluster);
  const resources = {
    cpu: options.cpu ?? "32",
    memory: options.memory ?? "256Gi",
    pods: options.pods ?? "110",
  };
  await core.createNode({
    body: {
      metadata: {
        name,
        annotations: { [FAKE_NODE_ANNOTATION.key]: FAKE_NODE_ANNOTATION.value },
        labels: {
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          type: "kwok",
          ...options.labels,
        },
      },
      status: { allocatable: resources, capacity: resources },
    },
  });
  return await waitUntil(`node ${name} Ready`, async () => {
    const node = await core.readNode({ name });
    return nodeReady(node) === "True" ? node : undefined;
  });
}

/**
 * Makes a fake node NotReady the way a dead kubelet looks: kwok's node-not-ready stage
 * (label node-not-ready.stage.kwok.x-k8s.io=true) sets Ready=False and its heartbeat stops
 * matching, so it stays NotReady; the node lifecycle controller then taints it.
 */
export async function makeNodeNotReady(cluster: TestCluster, name: string): Promise<V1Node> {
  const { core } = adminClients(cluster);
  await core.patchNode(
    { name, body: { metadata: { labels: { "node-not-ready.stage.kwok.x-k8s.io": "true" } } } },
    mergePatch,
  );
  return await waitUntil(`node ${name} NotReady`, async () => {
    const node = await core.readNode({ name });
    return nodeReady(node) === "False" ? node : undefined;
  });
}

/** Waits until `pod` satisfies `predicate`; returns it. */
export async function waitForPod(
  cluster: TestCluster,
  namespace: string,
  name: string,
  what: string,
  predicate: (pod: V1Pod) => boolean,
  timeoutMs = 60_000,
): Promise<V1Pod> {
  const { core } = adminClients(cluster);
  return await waitUntil(
    `pod ${namespace}/${name} ${what}`,
    async () => {
      const pod = await core.readNamespacedPod({ namespace, name });
      return predicate(pod) ? pod : undefined;
    },
    timeoutMs,
  );
}

export const isRunningAndReady = (pod: V1Pod) =>
  pod.status?.phase === "Running" &&
  pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

/** Creates a single-container pod (image never pulled: kwok fakes the kubelet). */
export async function createPod(
  cluster: TestCluster,
  namespace: string,
  name = uniqueName("pod"),
  spec: Partial<NonNullable<V1Pod["spec"]>> = {},
  labels: Record<string, string> = {},
): Promise<V1Pod> {
  const { core } = adminClients(cluster);
  return await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: { app: name, ...labels } },
      spec: { containers: [{ name: "main", image: "registry.invalid/app:1" }], ...spec },
    },
  });
}

export interface CrashLoopOptions {
  restartCount?: number;
  /** Container to crash; default the first. */
  container?: string;
  exitCode?: number;
}

/**
 * Puts a Running pod's container into CrashLoopBackOff with a restart count, as a kubelet
 * reports it (waiting CrashLoopBackOff, lastState terminated Error, Ready=False). Done by
 * replacing pods/status once kwok has made the pod Running: kwok's stages only act on Pending
 * (pod-ready), Job-owned (pod-complete) or deleting (pod-delete) pods, so the status sticks.
 */
export async function crashLoopPod(
  cluster: TestCluster,
  namespace: string,
  name: string,
  options: CrashLoopOptions = {},
): Promise<V1Pod> {
  const { core } = adminClients(cluster);
  const running = await waitForPod(cluster, namespace, name, "Running", isRunningAndReady);
  const target = options.container ?? running.spec?.containers[0]?.name;
  const restartCount = options.restartCount ?? 5;
  const now = new Date();
  const startedAt = new Date(now.getTime() - 20_000);
  const pod: V1Pod = structuredClone(running);
  const status = pod.status ?? {};
  status.containerStatuses = (status.containerStatuses ?? []).map((cs) =>
    cs.name !== target
      ? cs
      : {
          ...cs,
          ready: false,
          started: false,
          restartCount,
          state: {
            waiting: {
              reason: "CrashLoopBackOff",
              message: `back-off 5m0s restarting failed container=${target} pod=${name}_${namespace}`,
            },
          },
          lastState: {
            terminated: {
              exitCode: options.exitCode ?? 1,
              reason: "Error",
              startedAt,
              finishedAt: now,
              containerID: cs.containerID,
            },
          },
        },
  );
  if (!status.containerStatuses.some((cs) => cs.name === target)) {
    throw new Error(`pod ${namespace}/${name}: no container status for ${target}`);
  }
  status.conditions = (status.conditions ?? []).map((c) =>
    c.type === "Ready" || c.type === "ContainersReady"
      ? {
          ...c,
          status: "False",
          reason: "ContainersNotReady",
          message: `containers with unready status: [${target}]`,
          lastTransitionTime: now,
        }
      : c,
  );
  pod.status = status;
  await core.replaceNamespacedPodStatus({ namespace, name, body: pod });
  return await waitForPod(cluster, namespace, name, "in CrashLoopBackOff", (p) =>
    (p.status?.containerStatuses ?? []).some(
      (cs) => cs.name === target && cs.state?.waiting?.reason === "CrashLoopBackOff",
    ),
  );
}

/** Creates a pod no node can fit (cpu request far above any node) and waits for Unschedulable. */
export async function createUnschedulablePod(
  cluster: TestCluster,
  namespace: string,
  name = uniqueName("unschedulable"),
): Promise<V1Pod> {
  await createPod(cluster, namespace, name, {
    containers: [
      {
        name: "main",
        image: "registry.invalid/app:1",
        resources: { requests: { cpu: "100000" } },
      },
    ],
  });
  return await waitForPod(cluster, namespace, name, "Unschedulable", (pod) =>
    (pod.status?.conditions ?? []).some(
      (c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable",
    ),
  );
}

/** Creates a Deployment of `replicas` fake pods labelled app=<name>. */
export async function createDeployment(
  cluster: TestCluster,
  namespace: string,
  name = uniqueName("deploy"),
  replicas = 2,
): Promise<V1Deployment> {
  const { apps } = adminClients(cluster);
  return await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: "main", image: "registry.invalid/app:1" }] },
        },
      },
    },
  });
}

/** Waits until `count` pods matching `labelSelector` are Running and Ready; returns them. */
export async function waitForRunningPods(
  cluster: TestCluster,
  namespace: string,
  labelSelector: string,
  count: number,
  timeoutMs = 90_000,
): Promise<V1Pod[]> {
  const { core } = adminClients(cluster);
  return await waitUntil(
    `${count} running pods ${labelSelector} in ${namespace}`,
    async () => {
      const list = await core.listNamespacedPod({ namespace, labelSelector });
      const running = list.items.filter(
        (p) => !p.metadata?.deletionTimestamp && isRunningAndReady(p),
      );
      return running.length === count ? running : undefined;
    },
    timeoutMs,
  );
}
