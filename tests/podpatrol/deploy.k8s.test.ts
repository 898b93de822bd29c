// deploy/podpatrol applied to the real API server: Pod Security "restricted" admits the
// hardened pods, RBAC grants exactly what the rules need (kubectl auth can-i as the service
// account), and podpatrol running with that account's own token works.
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import {
  adminClients,
  applyKustomization,
  crashLoopPod,
  createFakeNode,
  createNamespace,
  waitForRunningPods,
  waitUntil,
} from "../env/k8s-helpers.ts";
import { accountCan, waitForEvent, workload } from "./k8s-fixtures.ts";
import { startPatrol } from "./patrol-process.ts";

const SA = "system:serviceaccount:opsctl-system:podpatrol";
const manifests = join(import.meta.dir, "../../deploy/podpatrol");
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster();
  await createFakeNode(cluster);
  await applyKustomization(cluster, manifests);
}, 180_000);

const canI = (args: string[]) => accountCan(cluster, SA, args);

describe("deploy/podpatrol", () => {
  test("the hardened Deployment is admitted under Pod Security 'restricted' and its pods run", async () => {
    const { apps } = adminClients(cluster);
    const deployment = await waitUntil(
      "podpatrol replicas available",
      async () => {
        const d = await apps.readNamespacedDeployment({
          namespace: "opsctl-system",
          name: "podpatrol",
        });
        return (d.status?.availableReplicas ?? 0) === 2 ? d : undefined;
      },
      90_000,
    );
    const container = deployment.spec?.template.spec?.containers[0];
    expect(container?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(deployment.spec?.template.spec?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container?.resources?.limits?.memory).toBeDefined();
  }, 120_000);

  test.each([
    ["list pods --all-namespaces", ["list", "pods", "-A"]],
    ["watch pods", ["watch", "pods", "-A"]],
    ["delete pods", ["delete", "pods", "-n", "default"]],
    ["create pods/eviction", ["create", "pods", "--subresource=eviction", "-n", "default"]],
    ["watch nodes", ["watch", "nodes"]],
    ["patch nodes", ["patch", "nodes"]],
    ["create events", ["create", "events", "-n", "default"]],
    [
      "create leases in its namespace",
      ["create", "leases.coordination.k8s.io", "-n", "opsctl-system"],
    ],
    ["update its lease", ["update", "leases.coordination.k8s.io/podpatrol", "-n", "opsctl-system"]],
  ])("can %s", async (_what, args) => {
    expect(await canI(args)).toBe(true);
  });

  test.each([
    ["read secrets", ["get", "secrets", "-n", "opsctl-system"]],
    ["list secrets anywhere", ["list", "secrets", "-A"]],
    ["delete deployments", ["delete", "deployments.apps", "-n", "default"]],
    ["exec into pods", ["create", "pods", "--subresource=exec", "-n", "default"]],
    ["create pods", ["create", "pods", "-n", "default"]],
    ["update pods", ["update", "pods", "-n", "default"]],
    ["delete nodes", ["delete", "nodes"]],
    ["read configmaps", ["get", "configmaps", "-n", "default"]],
    [
      "update another lease",
      ["update", "leases.coordination.k8s.io/kube-scheduler", "-n", "opsctl-system"],
    ],
    ["create leases elsewhere", ["create", "leases.coordination.k8s.io", "-n", "kube-system"]],
    [
      "escalate via rolebindings",
      ["create", "rolebindings.rbac.authorization.k8s.io", "-n", "opsctl-system"],
    ],
  ])("cannot %s", async (_what, args) => {
    expect(await canI(args)).toBe(false);
  });

  test("the admission policy lets the account change only opsctl.io/node-lost taints on nodes", async () => {
    const node = (await createFakeNode(cluster)).metadata?.name ?? "";
    const kubeconfig = await cluster.serviceAccountKubeconfig("opsctl-system", "podpatrol");
    const asPatrol = (args: string[]) => cluster.kubectl(args, { kubeconfig });
    // The policy's binding takes a moment to be enforced: wait until a forbidden change is denied.
    const label = await waitUntil("policy enforced", async () => {
      const r = await asPatrol(["label", "node", node, "owned-by=podpatrol"]);
      return r.exitCode !== 0 ? r : undefined;
    });
    expect(label.stderr).toContain("podpatrol may not change node labels");
    const other = await asPatrol(["taint", "node", node, "dedicated=x:NoSchedule"]);
    expect(other.exitCode).not.toBe(0);
    expect(other.stderr).toContain("only change taints keyed opsctl.io/node-lost");
    const ours = await asPatrol(["taint", "node", node, "opsctl.io/node-lost=true:NoSchedule"]);
    expect(ours.stderr).toBe("");
    expect(ours.exitCode).toBe(0);
  }, 90_000);

  test("the admission policy keeps the account from adding finalizers or owner references to a node", async () => {
    const node = (await createFakeNode(cluster)).metadata?.name ?? "";
    const kubeconfig = await cluster.serviceAccountKubeconfig("opsctl-system", "podpatrol");
    const asPatrol = (args: string[]) => cluster.kubectl(args, { kubeconfig });
    await waitUntil("policy enforced", async () => {
      const r = await asPatrol(["label", "node", node, "owned-by=podpatrol"]);
      return r.exitCode !== 0 ? r : undefined;
    });
    const patch = (metadata: Record<string, unknown>) =>
      asPatrol(["patch", "node", node, "--type=merge", "-p", JSON.stringify({ metadata })]);
    // An owner reference to an object that does not exist makes the garbage collector delete the
    // node: a node delete that RBAC does not grant ("cannot delete nodes" above).
    const owner = await patch({
      ownerReferences: [
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          name: "gone",
          uid: "0b6d3c2e-5f0a-4d8e-9b1c-000000000000",
        },
      ],
    });
    expect(owner.exitCode).not.toBe(0);
    expect(owner.stderr).toContain("podpatrol may not change node finalizers or owner references");
    const finalizer = await patch({ finalizers: ["example.com/hold"] });
    expect(finalizer.exitCode).not.toBe(0);
    expect(finalizer.stderr).toContain(
      "podpatrol may not change node finalizers or owner references",
    );
  }, 90_000);

  test("podpatrol with the service account's own token (TokenRequest) elects itself and remediates", async () => {
    const kubeconfig = await cluster.serviceAccountKubeconfig("opsctl-system", "podpatrol");
    const ns = await createNamespace(cluster);
    await workload(cluster, ns, "app", { replicas: 2 });
    const [pod] = await waitForRunningPods(cluster, ns, "app=app", 2);
    const patrol = await startPatrol(kubeconfig, [
      `--namespace=${ns}`,
      "--leader-elect",
      "--lease-namespace=opsctl-system",
      "--lease-name=podpatrol",
      "--identity=rbac-test",
      "--lease-duration=3s",
    ]);
    try {
      // The manifests' own replicas are fake (kwok), so nobody else renews the Lease.
      await patrol.waitForLog("leader", (l) => l.msg === "became leader", 30_000);
      await crashLoopPod(cluster, ns, pod?.metadata?.name ?? "");
      const evicted = await waitForEvent(
        cluster,
        ns,
        "evicted with SA token",
        (e) => e.reason === "PatrolEvicted" && e.name === pod?.metadata?.name,
      );
      expect(evicted.source).toBe("rbac-test");
      const forbidden = patrol.logs.filter((l) =>
        /forbidden|403/i.test(`${l.msg} ${l.error ?? ""}`),
      );
      expect(forbidden).toEqual([]);
    } finally {
      expect(await patrol.stop()).toBe(0);
    }
  }, 120_000);
});
