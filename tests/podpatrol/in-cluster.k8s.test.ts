// The compiled podpatrol run the way a pod runs it: no kubeconfig at all, the API server from
// KUBERNETES_SERVICE_HOST/PORT, and the service account's token and ca.crt from a folder
// (OPSCTL_K8S_SERVICEACCOUNT_DIR stands in for /var/run/secrets/kubernetes.io/serviceaccount).
// The token is the deploy/podpatrol service account's own, so its RBAC is what is exercised.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import {
  applyKustomization,
  crashLoopPod,
  createFakeNode,
  createNamespace,
  waitForRunningPods,
  waitUntil,
} from "../env/k8s-helpers.ts";
import { livePods, podExists, waitForEvent, workload } from "./k8s-fixtures.ts";
import { startPatrol, waitReady } from "./patrol-process.ts";

const manifests = join(import.meta.dir, "../../deploy/podpatrol");
let cluster: TestCluster;
let saDir: string;
let home: string;

beforeAll(async () => {
  cluster = await startCluster();
  await createFakeNode(cluster);
  await applyKustomization(cluster, manifests);
  const token = await cluster.kubectl(["create", "token", "podpatrol", "-n", "opsctl-system"]);
  if (token.exitCode !== 0) throw new Error(`kubectl create token: ${token.stderr}`);
  saDir = mkdtempSync(join(tmpdir(), "podpatrol-sa-"));
  writeFileSync(join(saDir, "token"), token.stdout.trim());
  writeFileSync(join(saDir, "ca.crt"), cluster.caPem);
  writeFileSync(join(saDir, "namespace"), "opsctl-system");
  home = mkdtempSync(join(tmpdir(), "podpatrol-home-")); // no ~/.kube/config to fall back on
}, 180_000);

afterAll(() => {
  for (const dir of [saDir, home]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("in-cluster config", () => {
  test("podpatrol with no kubeconfig uses the service-account folder and remediates", async () => {
    const ns = await createNamespace(cluster);
    await workload(cluster, ns, "incluster", { replicas: 2 });
    const [pod] = await waitForRunningPods(cluster, ns, "app=incluster", 2);
    const name = pod?.metadata?.name ?? "";
    const uid = pod?.metadata?.uid ?? "";
    const api = new URL(cluster.server);
    const patrol = await startPatrol(
      undefined,
      ["--no-leader-elect", "--disable-rule=node-lost", `--namespace=${ns}`],
      {
        HOME: home,
        KUBERNETES_SERVICE_HOST: api.hostname,
        KUBERNETES_SERVICE_PORT: api.port,
        OPSCTL_K8S_SERVICEACCOUNT_DIR: saDir,
      },
    );
    try {
      await waitReady(patrol);
      await crashLoopPod(cluster, ns, name);
      const evicted = await waitForEvent(
        cluster,
        ns,
        "evicted by the in-cluster podpatrol",
        (e) => e.reason === "PatrolEvicted" && e.name === name,
        60_000,
      );
      expect(evicted.message).toContain("CrashLoopBackOff");
      await waitUntil("crashing pod gone", async () => !(await podExists(cluster, ns, name, uid)));
      await waitUntil("replacement pod running", async () => {
        const pods = await livePods(cluster, ns, "incluster");
        return pods.length === 2 && pods.every((p) => p.phase === "Running" && p.uid !== uid);
      });
      expect(await patrol.metric("opsctl_podpatrol_actions_total")).toBeGreaterThanOrEqual(1);
    } finally {
      await patrol.stop();
    }
  }, 120_000);

  test("without the service-account folder's token it refuses to start and names the file", async () => {
    const empty = mkdtempSync(join(tmpdir(), "podpatrol-nosa-"));
    try {
      const api = new URL(cluster.server);
      const patrol = startPatrol(undefined, ["--no-leader-elect"], {
        HOME: home,
        KUBERNETES_SERVICE_HOST: api.hostname,
        KUBERNETES_SERVICE_PORT: api.port,
        OPSCTL_K8S_SERVICEACCOUNT_DIR: empty,
      });
      // The message names the folder from the environment, not /var/run/secrets/...
      await expect(patrol).rejects.toThrow(`not in a pod (${join(empty, "token")})`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 60_000);
});
