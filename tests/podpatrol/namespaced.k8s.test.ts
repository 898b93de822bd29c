// podpatrol --namespace run as a service account bound only to the namespaced Roles of
// deploy/podpatrol/namespaced/rbac.yaml (no cluster-wide pod list, no nodes): one pod watch per
// namespace, remediation there, nothing outside; node rules refused at start without node access.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NODE_LOST_TAINT } from "../../lib/podpatrol/rules/node-lost/rule.ts";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import {
  adminClients,
  applyKustomization,
  crashLoopPod,
  createFakeNode,
  createNamespace,
  makeNodeNotReady,
  uniqueName,
  waitForRunningPods,
  waitUntil,
} from "../env/k8s-helpers.ts";
import { compiledTool, run } from "../helpers/compiled.ts";
import {
  accountCan,
  apply,
  patrolEvents,
  podExists,
  waitForEvent,
  workload,
} from "./k8s-fixtures.ts";
import {
  type PatrolProcess,
  reloadConfig,
  startPatrol,
  waitReady,
  writeConfig,
} from "./patrol-process.ts";

type Manifest = {
  kind: string;
  metadata: { namespace?: string };
  subjects?: { namespace: string }[];
};

const namespacedDir = join(import.meta.dir, "../../deploy/podpatrol/namespaced");
const readManifests = (file: string) =>
  Bun.YAML.parse(readFileSync(join(namespacedDir, file), "utf8")) as Manifest[];
const manifests = () => readManifests("rbac.yaml");

let cluster: TestCluster;
/** podpatrol's own namespace: its service account and Lease. */
let home: string;
let kubeconfig: string;

/** The example's first Role and RoleBinding, in `namespace`, for the account in `home`. */
async function grantPods(namespace: string): Promise<void> {
  for (const m of manifests().slice(0, 2)) {
    m.metadata.namespace = namespace;
    for (const s of m.subjects ?? []) s.namespace = home;
    await apply(cluster, m);
  }
}

const canI = (args: string[]) =>
  accountCan(cluster, `system:serviceaccount:${home}:podpatrol`, args);

/** Crash-looping pod of a 2-replica Deployment "web" in `namespace`. */
async function crashingWeb(namespace: string) {
  await workload(cluster, namespace, "web", { replicas: 2 });
  const [pod] = await waitForRunningPods(cluster, namespace, "app=web", 2);
  const victim = { name: pod?.metadata?.name ?? "", uid: pod?.metadata?.uid ?? "" };
  await crashLoopPod(cluster, namespace, victim.name, { restartCount: 4 });
  return victim;
}

const withoutNodeRules = ["--disable-rule=node-lost", "--disable-rule=unschedulable"];

/**
 * The patrol (no election, no node rules) reading its namespace list from a config file;
 * `reload` rewrites the list there and sends SIGHUP.
 */
async function patrolFromConfig(namespace: string[]) {
  const config = writeConfig({ namespace });
  const patrol = await startPatrol(kubeconfig, [
    `--config=${config}`,
    "--no-leader-elect",
    ...withoutNodeRules,
  ]);
  const reload = (next: string[]) => reloadConfig(patrol, config, { namespace: next });
  return { patrol, reload };
}

beforeAll(async () => {
  cluster = await startCluster();
  await createFakeNode(cluster);
  home = await createNamespace(cluster);
  await apply(cluster, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "podpatrol", namespace: home },
  });
  for (const m of manifests()) {
    m.metadata.namespace = home;
    for (const s of m.subjects ?? []) s.namespace = home;
    await apply(cluster, m);
  }
  kubeconfig = await cluster.serviceAccountKubeconfig(home, "podpatrol");
}, 180_000);

describe("podpatrol --namespace with namespaced RBAC only", () => {
  let ns: string;
  let ns2: string;
  let elsewhere: string;
  let patrol: PatrolProcess;

  beforeAll(async () => {
    ns = await createNamespace(cluster);
    ns2 = await createNamespace(cluster);
    elsewhere = await createNamespace(cluster);
    await grantPods(ns);
    await grantPods(ns2);
    patrol = await startPatrol(kubeconfig, [
      `--namespace=${ns}`,
      `--namespace=${ns2}`,
      `--lease-namespace=${home}`,
      ...withoutNodeRules,
    ]);
    await waitReady(patrol);
  }, 120_000);
  afterAll(async () => {
    expect(await patrol.stop()).toBe(0);
  });

  test("the account really has no cluster-wide pod list and no nodes", async () => {
    expect(await canI(["list", "pods", "-n", ns])).toBe(true);
    expect(await canI(["list", "pods", "-A"])).toBe(false);
    expect(await canI(["list", "nodes"])).toBe(false);
    expect(await canI(["list", "pods", "-n", elsewhere])).toBe(false);
  });

  test("crash-looping pods in both namespaces are evicted; one elsewhere is untouched", async () => {
    const outside = await crashingWeb(elsewhere);
    const first = await crashingWeb(ns);
    const second = await crashingWeb(ns2);
    for (const [namespace, victim] of [
      [ns, first],
      [ns2, second],
    ] as const) {
      await waitForEvent(
        cluster,
        namespace,
        `evicted in ${namespace}`,
        (e) => e.reason === "PatrolEvicted" && e.name === victim.name,
      );
    }
    expect(await podExists(cluster, elsewhere, outside.name, outside.uid)).toBe(true);
    expect(await patrolEvents(cluster, elsewhere)).toEqual([]);
    expect(patrol.logs.some((l) => JSON.stringify(l).includes(elsewhere))).toBe(false);
    // Two pod watches, no node watch: nothing cached but these namespaces' pods.
    expect(await patrol.metric("opsctl_podpatrol_cache_objects", { resource: "nodes" })).toBe(0);
    expect(
      await patrol.metric("opsctl_podpatrol_watch_restarts_total", { reason: "list-error" }),
    ).toBe(0);
  }, 120_000);
});

describe("podpatrol --namespace: start and reload", () => {
  test("node-lost on without node access: refused at start, naming the flags to add", async () => {
    const ns = await createNamespace(cluster);
    await grantPods(ns);
    const bin = await compiledTool("podpatrol");
    const result = await run(
      [bin, `--kubeconfig=${kubeconfig}`, "--listen=off", `--namespace=${ns}`, "--no-leader-elect"],
      { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" } },
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("nodes");
    expect(result.stderr).toContain("--disable-rule node-lost");
    expect(result.stderr).toContain("--disable-rule unschedulable");
  }, 60_000);

  test("a namespace not granted: refused at start, naming it", async () => {
    const ns = await createNamespace(cluster);
    const bin = await compiledTool("podpatrol");
    const result = await run(
      [
        bin,
        `--kubeconfig=${kubeconfig}`,
        "--listen=off",
        `--namespace=${ns}`,
        "--no-leader-elect",
        ...withoutNodeRules,
      ],
      { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" } },
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`pods in namespace ${ns}`);
  }, 60_000);

  test("the breaker counts an owner's pods: a Deployment all crashing is left alone", async () => {
    const ns = await createNamespace(cluster);
    const quiet = await createNamespace(cluster);
    await grantPods(ns);
    await grantPods(quiet);
    await workload(cluster, ns, "broken", { replicas: 3 });
    const pods = await waitForRunningPods(cluster, ns, "app=broken", 3);
    for (const p of pods) await crashLoopPod(cluster, ns, p.metadata?.name ?? "");
    const patrol = await startPatrol(kubeconfig, [
      `--namespace=${quiet}`,
      `--namespace=${ns}`,
      "--no-leader-elect",
      ...withoutNodeRules,
    ]);
    try {
      const open = await waitForEvent(
        cluster,
        ns,
        "circuit open",
        (e) => e.reason === "PatrolCircuitOpen",
      );
      expect(open).toMatchObject({ kind: "Deployment", name: "broken" });
      expect(open.message).toContain("3 of 3 pods");
      for (const p of pods)
        expect(await podExists(cluster, ns, p.metadata?.name ?? "", p.metadata?.uid ?? "")).toBe(
          true,
        );
    } finally {
      expect(await patrol.stop()).toBe(0);
    }
  }, 120_000);

  test("SIGHUP with another namespace list watches the new one and forgets the old", async () => {
    const a = await createNamespace(cluster);
    const b = await createNamespace(cluster);
    await grantPods(a);
    await grantPods(b);
    const { patrol, reload } = await patrolFromConfig([a]);
    try {
      await waitReady(patrol);
      reload([b]);
      await patrol.waitForLog("reloaded", (l) => l.msg === "configuration reloaded");
      await waitReady(patrol);
      const outside = await crashingWeb(a);
      const inside = await crashingWeb(b);
      await waitForEvent(
        cluster,
        b,
        "evicted after reload",
        (e) => e.reason === "PatrolEvicted" && e.name === inside.name,
      );
      expect(await podExists(cluster, a, outside.name, outside.uid)).toBe(true);
      expect(await patrolEvents(cluster, a)).toEqual([]);

      // All namespaces needs the cluster-wide list and nodes: refused, the old list kept.
      reload([]);
      const refused = await patrol.waitForLog("refused", (l) =>
        String(l.msg).startsWith("configuration not reloaded"),
      );
      expect(refused.msg).toContain("restart");
      expect((await fetch(`http://127.0.0.1:${patrol.port}/readyz`)).status).toBe(200);
    } finally {
      expect(await patrol.stop()).toBe(0);
    }
  }, 150_000);

  test("SIGHUP adding a namespace not granted: refused as at start, the old list kept", async () => {
    const a = await createNamespace(cluster);
    const b = await createNamespace(cluster);
    await grantPods(a);
    const { patrol, reload } = await patrolFromConfig([a]);
    try {
      await waitReady(patrol);
      reload([a, b]);
      const refused = await patrol.waitForLog("refused", (l) =>
        String(l.msg).startsWith("configuration not reloaded"),
      );
      expect(refused.level).toBe("error");
      expect(refused.msg).toContain(`pods in namespace ${b}`);
      expect(refused.msg).toContain('cannot list resource "pods"');
      expect(
        await patrol.metric("opsctl_podpatrol_config_reloads_total", { result: "forbidden" }),
      ).toBe(1);
      // Never watched: no list retried against a 403, and still ready on the namespace it has.
      expect(
        await patrol.metric("opsctl_podpatrol_watch_restarts_total", { reason: "list-error" }),
      ).toBe(0);
      expect((await fetch(`http://127.0.0.1:${patrol.port}/readyz`)).status).toBe(200);
      expect(patrol.logs.some((l) => l.msg === "configuration reloaded")).toBe(false);

      // Granted, the same file is taken on the next SIGHUP.
      await grantPods(b);
      await waitUntil("the Role in effect", () => canI(["list", "pods", "-n", b]));
      patrol.proc.kill("SIGHUP");
      await patrol.waitForLog("reloaded", (l) => l.msg === "configuration reloaded");
      await waitReady(patrol);
      const inside = await crashingWeb(b);
      await waitForEvent(
        cluster,
        b,
        "evicted after reload",
        (e) => e.reason === "PatrolEvicted" && e.name === inside.name,
      );
    } finally {
      expect(await patrol.stop()).toBe(0);
    }
  }, 150_000);
});

describe("podpatrol --namespace with nodes.yaml (node rules kept)", () => {
  test("node-lost taints a lost node and records its Event (in default, as for every node)", async () => {
    for (const m of readManifests("nodes.yaml")) {
      for (const s of m.subjects ?? []) s.namespace = home;
      await apply(cluster, m);
    }
    const ns = await createNamespace(cluster);
    await grantPods(ns);
    const node = (await createFakeNode(cluster, uniqueName("lost"))).metadata?.name ?? "";
    const config = writeConfig({ rules: { "node-lost": { after: "1s" } } });
    const patrol = await startPatrol(kubeconfig, [
      `--namespace=${ns}`,
      `--config=${config}`,
      "--no-leader-elect",
    ]);
    try {
      await waitReady(patrol);
      await makeNodeNotReady(cluster, node);
      const { core } = adminClients(cluster);
      await waitUntil("the node tainted", async () =>
        (await core.readNode({ name: node })).spec?.taints?.some((t) => t.key === NODE_LOST_TAINT),
      );
      await waitForEvent(
        cluster,
        "default",
        "the node's PatrolTainted event",
        (e) => e.reason === "PatrolTainted" && e.name === node,
      );
      expect(patrol.logs.filter((l) => String(l.msg).startsWith("event not recorded"))).toEqual([]);
    } finally {
      expect(await patrol.stop()).toBe(0);
      await cluster.kubectl(["delete", "node", node, "--wait=false"]);
    }
  }, 120_000);
});

describe("deploy/podpatrol/namespaced", () => {
  test("applies in team-a: its pods run, its account may patrol team-a and nothing cluster-wide", async () => {
    await createNamespace(cluster, "team-a");
    await applyKustomization(cluster, namespacedDir);
    const { apps } = adminClients(cluster);
    const deployment = await waitUntil(
      "podpatrol replicas available in team-a",
      async () => {
        const d = await apps.readNamespacedDeployment({ namespace: "team-a", name: "podpatrol" });
        return (d.status?.availableReplicas ?? 0) === 2 ? d : undefined;
      },
      90_000,
    );
    expect(deployment.spec?.template.spec?.containers[0]?.args).toContain(
      "--namespace=$(POD_NAMESPACE)",
    );
    const sa = "--as=system:serviceaccount:team-a:podpatrol";
    const can = async (args: string[]) =>
      (await cluster.kubectl(["auth", "can-i", sa, ...args])).stdout.trim() === "yes";
    for (const args of [
      ["watch", "pods", "-n", "team-a"],
      ["delete", "pods", "-n", "team-a"],
      ["create", "pods", "--subresource=eviction", "-n", "team-a"],
      ["create", "events", "-n", "team-a"],
      ["create", "leases.coordination.k8s.io", "-n", "team-a"],
      ["update", "leases.coordination.k8s.io/podpatrol", "-n", "team-a"],
    ])
      expect({ args, allowed: await can(args) }).toEqual({ args, allowed: true });
    for (const args of [
      ["list", "pods", "-A"],
      ["list", "nodes"],
      ["get", "secrets", "-n", "team-a"],
      ["get", "configmaps", "-n", "team-a"],
    ])
      expect({ args, allowed: await can(args) }).toEqual({ args, allowed: false });
  }, 120_000);
});
