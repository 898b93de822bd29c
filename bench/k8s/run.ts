/**
 * podpatrol at scale on the kwok control plane (tests/env/k8s): 100 fake nodes, 10,000 pods.
 * Measures the compiled podpatrol's initial sync time, RSS with every pod cached, and the
 * reaction latency (a pod's status turns CrashLoopBackOff -> its eviction is visible through
 * a watch) over a stream of 100 failures; and, as the baseline, what a cron + kubectl script
 * pays per run to find the same pods (kubectl get pods -o json | jq), which it repeats every
 * cron interval. Prints JSON; the figures go into bench/RESULTS.md by hand.
 *
 *   bun bench/k8s/run.ts [--nodes 100] [--pods 10000] [--failures 100] [--rate 20]
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startCluster } from "../../tests/env/k8s.ts";
import { compiledTool } from "../../tests/helpers/compiled.ts";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "100" },
    pods: { type: "string", default: "10000" },
    failures: { type: "string", default: "100" },
    rate: { type: "string", default: "20" },
  },
});
const NODES = Number(values.nodes);
const PODS = Number(values.pods);
const FAILURES = Number(values.failures);
const RATE = Number(values.rate);
const OWNERS = 100;
const NS = "bench";

const log = (msg: string) =>
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const cluster = await startCluster();
const tls = { ca: cluster.caPem };
const headers = { Authorization: `Bearer ${cluster.token}`, "Content-Type": "application/json" };
async function api(method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit & { tls: unknown } = { method, headers, tls };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(`${cluster.server}${path}`, init);
  if (!response.ok && response.status !== 409)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response;
}

/** Runs `fn` over `items` with `width` in flight. */
async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

// ---- the cluster: nodes, owners, pods ---------------------------------------------------------
const setupStarted = performance.now();
const nodeNames = Array.from({ length: NODES }, (_, i) => `bench-node-${i}`);
await pool(nodeNames, 20, async (name) => {
  const resources = { cpu: "64", memory: "256Gi", pods: String(Math.ceil(PODS / NODES) + 20) };
  await api("POST", "/api/v1/nodes", {
    metadata: {
      name,
      annotations: { "kwok.x-k8s.io/node": "fake" },
      labels: { type: "kwok", "kubernetes.io/hostname": name },
    },
    status: { allocatable: resources, capacity: resources },
  });
});
log(`${NODES} nodes created`);
await api("POST", "/api/v1/namespaces", { metadata: { name: NS } });
// Pods are created by the bench, not by Deployments: the controller-manager's default client
// rate (20 QPS) would take ~10 min for 10k pods. Each pod's controller is a ConfigMap owner
// (100 owners x 100 pods): nothing recreates or garbage-collects them, podpatrol sees the same
// pods it would see from ReplicaSets.
const owners: { name: string; uid: string }[] = [];
for (let i = 0; i < OWNERS; i++) {
  const response = await api("POST", `/api/v1/namespaces/${NS}/configmaps`, {
    metadata: { name: `owner-${i}` },
  });
  const cm = (await response.json()) as { metadata: { uid: string } };
  owners.push({ name: `owner-${i}`, uid: cm.metadata.uid });
}
const podIndexes = Array.from({ length: PODS }, (_, i) => i);
await pool(podIndexes, 32, async (i) => {
  const owner = owners[i % OWNERS] as { name: string; uid: string };
  await api("POST", `/api/v1/namespaces/${NS}/pods`, {
    metadata: {
      name: `p-${i}`,
      labels: { app: owner.name },
      ownerReferences: [
        { apiVersion: "v1", kind: "ConfigMap", name: owner.name, uid: owner.uid, controller: true },
      ],
    },
    spec: {
      nodeName: nodeNames[i % NODES],
      containers: [
        {
          name: "main",
          image: "registry.invalid/app:1",
          resources: { requests: { cpu: "10m", memory: "16Mi" } },
        },
      ],
      terminationGracePeriodSeconds: 1,
    },
  });
  if (i % 1000 === 999) log(`${i + 1} pods created`);
});

async function runningCount(): Promise<number> {
  let count = 0;
  let cont = "";
  do {
    const r = await api(
      "GET",
      `/api/v1/namespaces/${NS}/pods?limit=2000${cont ? `&continue=${cont}` : ""}`,
    );
    const page = (await r.json()) as {
      items: { status?: { phase?: string } }[];
      metadata: { continue?: string };
    };
    count += page.items.filter((p) => p.status?.phase === "Running").length;
    cont = page.metadata.continue ?? "";
  } while (cont);
  return count;
}
for (;;) {
  const running = await runningCount();
  log(`${running}/${PODS} pods Running`);
  if (running >= PODS) break;
  await Bun.sleep(5000);
}
const setupSeconds = (performance.now() - setupStarted) / 1000;

// ---- baseline: one pass of a cron + kubectl script ----------------------------------------------
const kubectl = join(cluster.binDir, "kubectl");
const script = `${kubectl} --kubeconfig=${cluster.kubeconfigToken} get pods -n ${NS} -o json | jq -r '.items[] | select(any(.status.containerStatuses[]?; .state.waiting.reason == "CrashLoopBackOff" and .restartCount >= 3)) | .metadata.name'`;
const baselineRuns: { seconds: number; peakRssMb: number }[] = [];
for (let i = 0; i < 3; i++) {
  const started = performance.now();
  const proc = Bun.spawnSync(["/usr/bin/time", "-f", "%M", "sh", "-c", `${script} >/dev/null`], {
    stderr: "pipe",
  });
  const seconds = (performance.now() - started) / 1000;
  const rssKb = Number(proc.stderr.toString().trim().split("\n").pop());
  baselineRuns.push({ seconds, peakRssMb: rssKb / 1024 });
}
log(`baseline kubectl|jq pass: ${baselineRuns.map((r) => r.seconds.toFixed(2)).join(", ")} s`);

// ---- podpatrol ----------------------------------------------------------------------------------
const bin = await compiledTool("podpatrol");
const dir = mkdtempSync(join(tmpdir(), "podpatrol-bench-"));
const config = join(dir, "config.yaml");
writeFileSync(
  config,
  JSON.stringify({
    podpatrol: {
      limits: {
        perMinute: 1000,
        perNamespacePerMinute: 1000,
        perNodePerMinute: 1000,
        disruptionBudget: 1000,
      },
      rules: { "node-lost": { enabled: false } },
    },
  }),
);
const patrolStarted = performance.now();
const patrol = Bun.spawn(
  [
    bin,
    `--kubeconfig=${cluster.kubeconfigToken}`,
    `--config=${config}`,
    "--listen=127.0.0.1:0",
    "--log-format=json",
    "--no-leader-elect",
    "--cooldown=0",
    `--namespace=${NS}`,
  ],
  { stdout: "ignore", stderr: "pipe" },
);
const lines: Record<string, unknown>[] = [];
void (async () => {
  let pending = "";
  for await (const chunk of patrol.stderr) {
    pending += new TextDecoder().decode(chunk);
    let nl = pending.indexOf("\n");
    while (nl >= 0) {
      try {
        lines.push(JSON.parse(pending.slice(0, nl)));
      } catch {}
      if (process.env.PODPATROL_BENCH_LOG)
        appendFileSync(process.env.PODPATROL_BENCH_LOG, `${pending.slice(0, nl)}\n`);
      pending = pending.slice(nl + 1);
      nl = pending.indexOf("\n");
    }
  }
})();
async function waitLine(pred: (l: Record<string, unknown>) => boolean, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = lines.find(pred);
    if (found) return found;
    await Bun.sleep(20);
  }
  throw new Error(`podpatrol: line not seen; last: ${JSON.stringify(lines.slice(-5))}`);
}
const synced = await waitLine((l) => l.msg === "pods cache synced");
const syncWallSeconds = (performance.now() - patrolStarted) / 1000;
const port = Number(
  String((await waitLine((l) => String(l.msg).startsWith("serving"))).address)
    .split(":")
    .pop(),
);
await Bun.sleep(5000);
const status = () => readFileSync(`/proc/${patrol.pid}/status`, "utf8");
const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status())?.[1] ?? 0);
const rssSyncedMb = kb("VmRSS") / 1024;
log(
  `podpatrol synced ${synced.objects} pods in ${synced.seconds} s (process start -> synced ${syncWallSeconds.toFixed(2)} s), RSS ${rssSyncedMb.toFixed(1)} MB`,
);

// ---- reaction latency: a stream of failures ------------------------------------------------------
// Our own watch sees when each victim gets its deletionTimestamp (the eviction took effect).
const evictedAt = new Map<string, number>();
const listRv = (
  (await (await api("GET", `/api/v1/namespaces/${NS}/pods?limit=1`)).json()) as {
    metadata: { resourceVersion: string };
  }
).metadata.resourceVersion;
const watchAbort = new AbortController();
void (async () => {
  const response = await fetch(
    `${cluster.server}/api/v1/namespaces/${NS}/pods?watch=true&resourceVersion=${listRv}`,
    {
      headers,
      tls,
      signal: watchAbort.signal,
    } as RequestInit,
  );
  let pending = "";
  try {
    for await (const chunk of response.body as ReadableStream<Uint8Array>) {
      const now = performance.now();
      pending += new TextDecoder().decode(chunk);
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        const event = JSON.parse(pending.slice(0, nl)) as {
          type: string;
          object: { metadata: { name: string; deletionTimestamp?: string } };
        };
        const { name, deletionTimestamp } = event.object.metadata;
        if ((deletionTimestamp || event.type === "DELETED") && !evictedAt.has(name))
          evictedAt.set(name, now);
        pending = pending.slice(nl + 1);
        nl = pending.indexOf("\n");
      }
    }
  } catch {}
})();
await Bun.sleep(500);

// One victim per owner and per node (pod i has owner i % 100 and node i % NODES): a stream of
// independent failures, not one Deployment failing (which the circuit breaker would stop).
const victims = Array.from(
  { length: FAILURES },
  (_, i) => `p-${i * Math.floor(PODS / FAILURES) + (i % OWNERS)}`,
);
const failedAt = new Map<string, number>();
const streamStarted = performance.now();
await Promise.all(
  victims.map(async (name, i) => {
    await Bun.sleep((i * 1000) / RATE);
    const pod = (await (await api("GET", `/api/v1/namespaces/${NS}/pods/${name}`)).json()) as {
      status: {
        containerStatuses?: {
          name: string;
          restartCount: number;
          state: unknown;
          ready: boolean;
        }[];
      };
    };
    pod.status.containerStatuses = (pod.status.containerStatuses ?? []).map((cs) => ({
      ...cs,
      ready: false,
      restartCount: 5,
      state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s" } },
      lastState: {
        terminated: { exitCode: 1, reason: "Error", finishedAt: new Date().toISOString() },
      },
    }));
    await api("PUT", `/api/v1/namespaces/${NS}/pods/${name}/status`, pod);
    failedAt.set(name, performance.now()); // the API server has accepted the failure
  }),
);
const deadline = Date.now() + 60_000;
while (victims.some((v) => !evictedAt.has(v)) && Date.now() < deadline) await Bun.sleep(100);
watchAbort.abort();
const latencies = victims
  .filter((v) => evictedAt.has(v) && failedAt.has(v))
  .map((v) => ((evictedAt.get(v) as number) - (failedAt.get(v) as number)) / 1000)
  .sort((a, b) => a - b);
const q = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? Number.NaN;
const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
const rssAfterMb = kb("VmRSS") / 1024;
const peakMb = kb("VmHWM") / 1024;
const cpu = readFileSync(`/proc/${patrol.pid}/stat`, "utf8").split(" ");
const cpuSeconds = (Number(cpu[13]) + Number(cpu[14])) / 100;
patrol.kill("SIGTERM");
await patrol.exited;

const internal =
  /opsctl_podpatrol_reaction_latency_seconds_sum\{rule="crashloop"\} ([\d.e+-]+)/.exec(
    metrics,
  )?.[1];
const internalCount =
  /opsctl_podpatrol_reaction_latency_seconds_count\{rule="crashloop"\} (\d+)/.exec(metrics)?.[1];
const result = {
  date: new Date().toISOString(),
  machine: {
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    cpu: cpus()[0]?.model,
  },
  nodes: NODES,
  pods: PODS,
  setupSeconds: Number(setupSeconds.toFixed(1)),
  podpatrol: {
    initialSyncSeconds: synced.seconds,
    processStartToSyncedSeconds: Number(syncWallSeconds.toFixed(2)),
    rssSyncedMb: Number(rssSyncedMb.toFixed(1)),
    rssAfterFailuresMb: Number(rssAfterMb.toFixed(1)),
    peakRssMb: Number(peakMb.toFixed(1)),
    cpuSecondsTotal: cpuSeconds,
    failures: FAILURES,
    ratePerSecond: RATE,
    evicted: latencies.length,
    streamSeconds: Number(((performance.now() - streamStarted) / 1000).toFixed(1)),
    reactionSeconds: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: latencies.at(-1) },
    internalMeanSeconds:
      internal && internalCount ? Number(internal) / Number(internalCount) : null,
  },
  baselineKubectlJq: {
    command: script.replace(cluster.kubeconfigToken, "$KUBECONFIG").replace(kubectl, "kubectl"),
    runs: baselineRuns,
  },
};
console.log(JSON.stringify(result, null, 2));
await cluster.stop();
process.exit(0);
