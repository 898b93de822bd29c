// Watches and informers through lib/k8s (Bun fetch + kubeconfig TLS), as podpatrol will use them.
import { beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { CoreV1Api, type V1ConfigMap, type V1Pod } from "@kubernetes/client-node";
import { BunWatch, loadKubeconfigFile, makeApiClient, makeInformer } from "../../lib/k8s/index.ts";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import { createFakeNode, createNamespace, createPod, waitUntil } from "../env/k8s-helpers.ts";

// Real API round trips and kubectl runs (fresh discovery per cluster port) on a shared 2-core box.
setDefaultTimeout(120_000);

let cluster: TestCluster;
let namespace: string;
beforeAll(async () => {
  cluster = await startCluster();
  namespace = await createNamespace(cluster);
}, 180_000); // a cold control plane start (shared by every test file in the run)

test("BunWatch streams events over client-certificate TLS", async () => {
  const kc = loadKubeconfigFile(cluster.kubeconfigCert);
  const core = makeApiClient(kc, CoreV1Api);
  const events: string[] = [];
  let doneError: unknown = "not called";
  const controller = await new BunWatch(kc).watch(
    `/api/v1/namespaces/${namespace}/configmaps`,
    {},
    (type, obj) => events.push(`${type} ${(obj as V1ConfigMap).metadata?.name}`),
    (err) => {
      doneError = err;
    },
  );
  await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: "watched" }, data: { a: "1" } },
  });
  await core.deleteNamespacedConfigMap({ namespace, name: "watched" });
  await waitUntil(
    "ADDED and DELETED events",
    async () => events.includes("DELETED watched"),
    20_000,
  );
  expect(events).toContain("ADDED watched");
  controller.abort();
  await waitUntil("done callback", async () => doneError !== "not called", 5_000);
  expect(doneError).toBeNull();
});

test("BunWatch reports a refused watch through done", async () => {
  const kc = loadKubeconfigFile(cluster.kubeconfigCert);
  const errors: unknown[] = [];
  await new BunWatch(kc).watch(
    "/api/v1/nosuchresource",
    {},
    () => {},
    (err) => errors.push(err),
  );
  expect(errors).toHaveLength(1);
  expect((errors[0] as { statusCode?: number }).statusCode).toBe(404);
});

test("a quiet BunWatch ends with a TimeoutError, which ListWatch treats as 'reconnect'", async () => {
  const kc = loadKubeconfigFile(cluster.kubeconfigCert);
  const quiet = await createNamespace(cluster);
  const core = makeApiClient(kc, CoreV1Api);
  const { metadata } = await core.listNamespacedConfigMap({
    namespace: quiet,
    labelSelector: "none=none",
  });
  const watch = new BunWatch(kc);
  watch.timeoutMs = 1_000;
  let doneError: unknown = "not called";
  await watch.watch(
    `/api/v1/namespaces/${quiet}/configmaps`,
    { resourceVersion: metadata?.resourceVersion, labelSelector: "none=none" },
    () => {},
    (err) => {
      doneError = err;
    },
  );
  await waitUntil("done callback", async () => doneError !== "not called", 20_000);
  expect((doneError as Error).name).toBe("TimeoutError");
});

test("makeInformer lists and then follows pods", async () => {
  await createFakeNode(cluster);
  const kc = loadKubeconfigFile(cluster.kubeconfigToken);
  const core = makeApiClient(kc, CoreV1Api);
  await createPod(cluster, namespace, "before-informer");
  const informer = makeInformer<V1Pod>(kc, `/api/v1/namespaces/${namespace}/pods`, () =>
    core.listNamespacedPod({ namespace }),
  );
  const added: string[] = [];
  informer.on("add", (pod) => added.push(pod.metadata?.name ?? ""));
  await informer.start();
  try {
    await createPod(cluster, namespace, "after-informer");
    await waitUntil("informer add events", async () => added.includes("after-informer"), 30_000);
    expect(added).toContain("before-informer");
    const cached = informer.list(namespace).map((p) => p.metadata?.name);
    expect(cached).toEqual(expect.arrayContaining(["before-informer", "after-informer"]));
  } finally {
    await informer.stop();
  }
});
