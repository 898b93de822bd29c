// A watch whose connection stalls (no bytes either way, nothing closed) against the real API
// server, through a loopback proxy that can freeze: the informer must take the silence for a
// stall within its idle bound (seconds here, 2 minutes by default), resume from its last
// resourceVersion and see what changed meanwhile; the daemon counts the restart, logs it and
// is unready while its watches stay down. Through a proxy that closes every watch right after it
// opens, retried under the idle bound each time, the daemon is unready too: no watch works.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadKubeconfigFile } from "../../lib/k8s/config.ts";
import { Registry } from "../../lib/metrics/prom.ts";
import { buildConfig } from "../../lib/podpatrol/config.ts";
import { startDaemon } from "../../lib/podpatrol/daemon.ts";
import { Informer } from "../../lib/podpatrol/kube/informer.ts";
import { KubeRest } from "../../lib/podpatrol/kube/rest.ts";
import type { Pod } from "../../lib/podpatrol/kube-types.ts";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import { createNamespace, createPod, waitUntil } from "../env/k8s-helpers.ts";
import { defaultFlags } from "./fixtures.ts";
import { FreezableProxy } from "./freezable-proxy.ts";
import { kubeconfigThrough } from "./k8s-fixtures.ts";
import { capturedLog } from "./test-log.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster();
}, 180_000);

const proxies: FreezableProxy[] = [];
afterAll(async () => {
  for (const p of proxies) await p.stop();
});

/** A proxy to the API server and a kubeconfig (token user) that goes through it. */
async function proxied(): Promise<{ proxy: FreezableProxy; kubeconfig: string }> {
  const proxy = new FreezableProxy(Number(new URL(cluster.server).port));
  proxies.push(proxy);
  await proxy.start();
  return { proxy, kubeconfig: kubeconfigThrough(cluster, proxy.port) };
}

/** The daemon (dry run, one namespace) through `kubeconfig`, with a short idle bound. */
function patrolThrough(kubeconfig: string, ns: string, identity: string) {
  const { log, lines: logs } = capturedLog();
  const flags = { ...defaultFlags, dryRun: true, namespace: [ns] };
  const stop = new AbortController();
  let port = 0;
  const daemon = startDaemon({
    kc: loadKubeconfigFile(kubeconfig),
    config: buildConfig(flags, {}),
    log,
    registry: new Registry(),
    listen: { hostname: "127.0.0.1", port: 0 },
    leader: undefined,
    identity,
    signal: stop.signal,
    onListening: (p) => {
      port = p;
    },
    watchIdleSeconds: 2,
  });
  const readyz = async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  /** opsctl_podpatrol_watch_restarts_total for pods, for one reason or all. */
  const podRestarts = async (reason?: string) => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let total = 0;
    for (const l of text.split("\n")) {
      if (!l.startsWith("opsctl_podpatrol_watch_restarts_total{")) continue;
      if (!l.includes('resource="pods"')) continue;
      if (reason && !l.includes(`reason="${reason}"`)) continue;
      total += Number(l.split(" ").pop());
    }
    return total;
  };
  return {
    daemon,
    logs,
    readyz,
    podRestarts,
    async stop() {
      stop.abort();
      await daemon.done;
    },
  };
}

describe("stalled watch", () => {
  test("the informer restarts a silent watch and sees a pod created after the stall", async () => {
    const ns = await createNamespace(cluster);
    const { proxy, kubeconfig } = await proxied();
    const restarts: string[] = [];
    const seen = new Set<string>();
    const informer = new Informer<Pod>(
      new KubeRest(loadKubeconfigFile(kubeconfig)),
      `/api/v1/namespaces/${ns}/pods`,
      { upsert: (p) => seen.add(p.metadata.name), remove: () => {} },
      { onRestart: (reason) => restarts.push(reason) },
      { idleSeconds: 3 },
    );
    informer.start();
    try {
      await waitUntil("synced", async () => informer.synced);
      await createPod(cluster, ns, "before");
      await waitUntil("pod seen through the watch", async () => seen.has("before"));
      expect(proxy.freeze()).toBeGreaterThan(0); // the watch (and any idle keep-alive) stalls
      await createPod(cluster, ns, "after"); // only a new watch can deliver it
      // Without idle detection the stalled watch would hold for its 300 s server timeout + 30 s.
      await waitUntil("pod created after the stall seen", async () => seen.has("after"), 60_000);
      expect(restarts).toContain("idle");
      expect(restarts).not.toContain("expired"); // resumed from its resourceVersion, no relist
      expect(informer.cache.has(`${ns}/after`)).toBe(true);
      expect(informer.healthy()).toBe(true);
    } finally {
      informer.stop();
    }
  }, 120_000);

  test("podpatrol counts and logs the idle restart, is unready while its watches stay down, recovers", async () => {
    const ns = await createNamespace(cluster);
    const { proxy, kubeconfig } = await proxied();
    const { daemon, logs, readyz, podRestarts, stop } = patrolThrough(
      kubeconfig,
      ns,
      "stalled-watch-test",
    );
    const idleRestarts = () => podRestarts("idle");
    try {
      await waitUntil("ready", async () => (await readyz()) === 200, 30_000);
      expect(await idleRestarts()).toBe(0);
      proxy.holdNew(true); // the API server answers nothing at all, on old and new connections
      proxy.freeze();
      await createPod(cluster, ns, "during");
      await waitUntil("unready", async () => (await readyz()) === 503, 60_000);
      expect(await idleRestarts()).toBeGreaterThanOrEqual(1);
      const line = logs.find(
        (l) => l.msg === "watch restarting" && l.resource === "pods" && l.reason === "idle",
      );
      expect(line?.level).toBe("warn");
      expect(String(line?.error)).toContain("nothing received for 2 s");
      expect(daemon.engine.pods.has(`${ns}/during`)).toBe(false); // blind, and unready says so

      proxy.holdNew(false); // reachable again: the next watch goes through
      await waitUntil("ready again", async () => (await readyz()) === 200, 60_000);
      await waitUntil(
        "pod created during the stall seen",
        async () => daemon.engine.pods.has(`${ns}/during`),
        30_000,
      );
    } finally {
      await stop();
    }
  }, 180_000);

  test("a proxy closing every watch at once, retried under the idle bound: unready until one stays open", async () => {
    const ns = await createNamespace(cluster);
    const { proxy, kubeconfig } = await proxied();
    const { daemon, logs, readyz, podRestarts, stop } = patrolThrough(
      kubeconfig,
      ns,
      "closed-watch-test",
    );
    const said = (msg: string) => logs.filter((l) => l.msg.startsWith(msg));
    try {
      await waitUntil("ready", async () => (await readyz()) === 200, 30_000);
      // Far below the bookmark interval: each watch is closed once its headers are through.
      proxy.closeIdle(300);
      await waitUntil("unready", async () => (await readyz()) === 503, 60_000);
      // Every retry opens a watch again (its headers come): still unready through two more of them.
      const restarted = await podRestarts();
      const answers = new Set<number>();
      await waitUntil(
        "two more watch restarts",
        async () => {
          answers.add(await readyz());
          return (await podRestarts()) >= restarted + 2;
        },
        90_000,
      );
      expect([...answers]).toEqual([503]);
      // Said once in the log, naming the watches down at that moment (the restarts themselves
      // are debug lines): the pods' or the nodes' or both, whichever the proxy had closed by then.
      const warned = said("not ready");
      expect(warned).toEqual([expect.objectContaining({ level: "warn" })]);
      const named = warned[0]?.watches as string[];
      expect(named.length).toBeGreaterThan(0);
      expect([`/api/v1/namespaces/${ns}/pods`, "/api/v1/nodes"]).toEqual(
        expect.arrayContaining(named),
      );

      proxy.closeIdle(0); // the watch stays open again
      await createPod(cluster, ns, "after");
      await waitUntil("ready again", async () => (await readyz()) === 200, 60_000);
      await waitUntil("pod seen", async () => daemon.engine.pods.has(`${ns}/after`), 30_000);
      expect(said("ready again")).toHaveLength(1);
    } finally {
      await stop();
    }
  }, 180_000);
});
