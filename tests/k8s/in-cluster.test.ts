// lib/k8s's in-cluster config (service-account token + ca.crt + namespace files, as mounted in a
// pod) against the real API server, with RBAC deciding what the token may do.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { loadInClusterConfig, loadKubeConfig, makeApiClient } from "../../lib/k8s/index.ts";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import { adminClients, createNamespace } from "../env/k8s-helpers.ts";

// Real API round trips and kubectl runs (fresh discovery per cluster port) on a shared 2-core box.
setDefaultTimeout(120_000);

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

test("serviceAccountKubeconfig gives kubectl the service account's identity and RBAC", async () => {
  const kubeconfig = await cluster.serviceAccountKubeconfig(namespace, "reader");
  const whoami = await cluster.kubectl(
    ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"],
    {
      kubeconfig,
    },
  );
  expect(whoami.stdout).toBe(`system:serviceaccount:${namespace}:reader`);
  const pods = await cluster.kubectl(["get", "pods", "-n", namespace], { kubeconfig });
  expect(pods.exitCode).toBe(0);
  const secrets = await cluster.kubectl(["get", "secrets", "-n", namespace], { kubeconfig });
  expect(secrets.exitCode).not.toBe(0);
  expect(secrets.stderr).toContain("forbidden");
});
