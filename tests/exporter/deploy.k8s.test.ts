// deploy/exporter applied to a real API server (tests/env/k8s.ts): the kustomization is accepted,
// Pod Security "restricted" admits the hardened pod, and the Service carries the scrape annotations.
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import { adminClients, createFakeNode, waitUntil } from "../env/k8s-helpers.ts";

const manifests = join(import.meta.dir, "../../deploy/exporter");
let cluster: TestCluster;
let applied = { exitCode: -1, stdout: "", stderr: "" };

beforeAll(async () => {
  cluster = await startCluster();
  await createFakeNode(cluster);
  applied = await cluster.kubectl(["apply", "-k", manifests]);
}, 180_000);

describe("deploy/exporter", () => {
  test("kubectl apply -k succeeds without Pod Security warnings", () => {
    expect(applied.stderr).toBe("");
    expect(applied.exitCode).toBe(0);
    expect(applied.stdout).toContain("deployment.apps/opsctl-exporter created");
    expect(applied.stdout).toContain("service/opsctl-exporter created");
  });

  test("the hardened pod is admitted under Pod Security 'restricted' and becomes available", async () => {
    const { apps, core } = adminClients(cluster);
    const namespace = await core.readNamespace({ name: "opsctl-system" });
    expect(namespace.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const deployment = await waitUntil(
      "opsctl-exporter available",
      async () => {
        const d = await apps.readNamespacedDeployment({
          namespace: "opsctl-system",
          name: "opsctl-exporter",
        });
        return (d.status?.availableReplicas ?? 0) === 1 ? d : undefined;
      },
      90_000,
    );
    expect(deployment.spec?.template.spec?.containers[0]?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
  }, 120_000);

  test("the Service selects the pod and is annotated for Prometheus", async () => {
    const { core } = adminClients(cluster);
    const service = await core.readNamespacedService({
      namespace: "opsctl-system",
      name: "opsctl-exporter",
    });
    expect(service.metadata?.annotations?.["prometheus.io/scrape"]).toBe("true");
    expect(service.metadata?.annotations?.["prometheus.io/port"]).toBe("9469");
    const endpoints = await waitUntil("exporter endpoints", async () => {
      const e = await core.readNamespacedEndpoints({
        namespace: "opsctl-system",
        name: "opsctl-exporter",
      });
      return (e.subsets?.[0]?.addresses?.length ?? 0) > 0 ? e : undefined;
    });
    expect(endpoints.subsets?.[0]?.ports?.[0]?.port).toBe(9469);
  }, 60_000);
});
