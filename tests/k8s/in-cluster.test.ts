// lib/k8s's in-cluster config (service-account token + ca.crt + namespace files, as mounted in a
// pod) against the real API server, with RBAC deciding what the token may do.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { loadInClusterConfig, loadKubeConfig, makeApiClient } from "../../lib/k8s/index.ts";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import { adminClients, createNamespace } from "../env/k8s-helpers.ts";

let cluster: TestCluster;
let namespace: string;
let saDir: string;

beforeAll(async () => {
  cluster = await startCluster();
  namespace = await createNamespace(cluster);
  const { core, kc } = adminClients(cluster);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "reader" } } });
  const rbac = makeApiClient(kc, RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: "pod-reader" },
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: "reader-pod-reader" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
      subjects: [{ kind: "ServiceAccount", name: "reader", namespace }],
    },
  });
  const token = await core.createNamespacedServiceAccountToken({
    namespace,
    name: "reader",
    body: { spec: { audiences: [] } },
  });
  saDir = mkdtempSync(join(tmpdir(), "opsctl-sa-"));
  writeFileSync(join(saDir, "token"), token.status?.token ?? "");
  writeFileSync(join(saDir, "ca.crt"), cluster.caPem);
  writeFileSync(join(saDir, "namespace"), namespace);
}, 180_000); // a cold control plane start (shared by every test file in the run)

afterAll(() => {
  if (saDir) rmSync(saDir, { recursive: true, force: true });
});

function inClusterEnv() {
  const url = new URL(cluster.server);
  return { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port };
}

test("in-cluster config reads namespace, CA and token from the service-account dir", async () => {
  const kc = loadInClusterConfig({ serviceAccountDir: saDir, env: inClusterEnv() });
  expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe(namespace);
  const core = makeApiClient(kc, CoreV1Api);
  const pods = await core.listNamespacedPod({ namespace });
  expect(Array.isArray(pods.items)).toBe(true);
  // RBAC applies to the service account: nothing outside its namespace, no writes.
  await expect(core.listNamespacedPod({ namespace: "kube-system" })).rejects.toThrow(
    /403|forbidden/i,
  );
  await expect(core.listNamespacedSecret({ namespace })).rejects.toThrow(/403|forbidden/i);
});

test("loadKubeConfig picks in-cluster when running in a pod and no kubeconfig is given", async () => {
  const kc = loadKubeConfig({ serviceAccountDir: saDir, env: inClusterEnv() });
  expect(kc.getCurrentCluster()?.server).toBe(cluster.server);
  const pods = await makeApiClient(kc, CoreV1Api).listNamespacedPod({ namespace });
  expect(Array.isArray(pods.items)).toBe(true);
});

test("loadKubeConfig prefers $KUBECONFIG over in-cluster", () => {
  const kc = loadKubeConfig({
    serviceAccountDir: saDir,
    env: { ...inClusterEnv(), KUBECONFIG: cluster.kubeconfigToken },
  });
  expect(kc.getCurrentUser()?.name).toBe(cluster.tokenUser);
});
