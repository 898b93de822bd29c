import { hostname } from "node:os";
import { UsageError } from "../lib/cli/errors.ts";
import { runTool } from "../lib/cli/run-tool.ts";
import { defineTool } from "../lib/cli/types.ts";
import { loadKubeConfig } from "../lib/k8s/config.ts";
import { Registry } from "../lib/metrics/prom.ts";
import { buildConfig, configKeys } from "../lib/podpatrol/config.ts";
import { startDaemon } from "../lib/podpatrol/daemon.ts";
import { KubeApiError, KubeRest } from "../lib/podpatrol/kube/rest.ts";
import { patrolFlags, reloadConfig } from "../lib/podpatrol/reload.ts";

const options = {
  kubeconfig: {
    type: "string",
    description: "Kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)",
    valueHint: "FILE",
  },
  context: { type: "string", description: "Kubeconfig context to use", valueHint: "NAME" },
  listen: {
    type: "string",
    description: "Address for /metrics, /healthz, /readyz (port 0: any free port)",
    default: "0.0.0.0:8080",
    valueHint: "HOST:PORT",
  },
  dryRun: {
    type: "boolean",
    description: "Log (and count) exactly what would be done; change nothing, emit no Events",
    default: false,
  },
  namespace: {
    type: "list",
    description: "Only pods in this namespace (default: all)",
    valueHint: "NS",
  },
  excludeNamespace: {
    type: "list",
    description: "Never pods in this namespace",
    valueHint: "NS",
  },
  selector: {
    type: "string",
    description: "Only pods matching this label selector (app=web,tier!=db)",
    valueHint: "SELECTOR",
  },
  allowKubeSystem: {
    type: "boolean",
    description: "Also remediate pods in kube-system",
    default: false,
  },
  disableRule: {
    type: "list",
    description: "Turn a rule off: crashloop, unschedulable, stuck, failed, node-lost",
    valueHint: "RULE",
  },
  enableRule: {
    type: "list",
    description: "Turn a rule on that the config file turned off",
    valueHint: "RULE",
  },
  cooldown: {
    type: "duration",
    description: "Leave an owner (Deployment...) alone this long after remediating it",
    default: 600,
  },
  forceDeleteOnLostNode: {
    type: "boolean",
    description: "Force delete (grace 0) pods stuck Terminating on a lost node",
    default: false,
  },
  leaderElect: {
    type: "boolean",
    description: "Elect one acting replica through a coordination.k8s.io Lease",
    default: true,
  },
  leaseNamespace: {
    type: "string",
    description: "Namespace of the Lease (default: $POD_NAMESPACE, else default)",
    valueHint: "NS",
  },
  leaseName: {
    type: "string",
    description: "Name of the Lease",
    default: "podpatrol",
    valueHint: "NAME",
  },
  leaseDuration: {
    type: "duration",
    description: "How long a silent leader keeps the Lease before another replica takes over",
    default: 15,
  },
  identity: {
    type: "string",
    description: "This replica's name in the Lease and Events (default: $POD_NAME, else host-pid)",
    valueHint: "NAME",
  },
} as const;

export const podpatrol = defineTool({
  name: "podpatrol",
  description:
    "Watch pods and nodes and safely remediate crash loops, stuck, unschedulable, failed pods and lost nodes",
  options,
  configKeys,
  exitCodes: { 4: "the Kubernetes API server was unreachable at start" },
  examples: [
    "podpatrol --dry-run --kubeconfig ~/.kube/config",
    "podpatrol --namespace shop --namespace web --cooldown 15m",
    "podpatrol --config /etc/podpatrol/config.yaml --listen 0.0.0.0:8080",
  ],
  async run(ctx) {
    const o = ctx.options;
    const config = buildConfig(patrolFlags(o as unknown as Record<string, unknown>), ctx.config);
    const listen = parseListen(o.listen);
    let kc: ReturnType<typeof loadKubeConfig>;
    try {
      kc = loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.context, env: ctx.env });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    await probeApiServer(kc);
    const identity = o.identity ?? ctx.env.POD_NAME ?? `${hostname()}-${process.pid}`;
    const registry = new Registry();
    const daemon = startDaemon({
      kc,
      config,
      log: ctx.log,
      registry,
      listen,
      identity,
      signal: ctx.signal,
      leader: o.leaderElect
        ? {
            namespace: o.leaseNamespace ?? ctx.env.POD_NAMESPACE ?? "default",
            name: o.leaseName,
            leaseDuration: o.leaseDuration,
            renewDeadline: Math.max(1, o.leaseDuration * (2 / 3)),
            retryPeriod: Math.max(0.5, o.leaseDuration / 7.5),
          }
        : undefined,
    });
    const onHangup = () => {
      try {
        const next = reloadConfig(ctx, options);
        daemon.reload(next);
        daemon.metrics.reloads.inc({ result: "success" });
        ctx.log.info("configuration reloaded", { file: ctx.configFile });
      } catch (error) {
        ctx.log.error(
          `configuration not reloaded, keeping the previous one: ${(error as Error).message}`,
          { file: ctx.configFile },
        );
        daemon.metrics.reloads.inc({ result: "invalid" });
      }
    };
    process.on("SIGHUP", onHangup);
    await daemon.done;
    process.off("SIGHUP", onHangup);
    return 0;
  },
});

/** One request before starting: an unreachable or refusing API server is reported at once. */
async function probeApiServer(kc: ReturnType<typeof loadKubeConfig>): Promise<void> {
  const rest = new KubeRest(kc);
  try {
    await rest.request("GET", "/version", { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    if (error instanceof KubeApiError) {
      // 401/403 on /version: bad credentials. Anything else: it answered, start and retry.
      if (error.status === 401 || error.status === 403) throw error;
      return;
    }
    const failure = new Error(
      `API server ${rest.server} unreachable: ${(error as Error).message}`,
    ) as Error & { exitCode: number };
    failure.exitCode = 4;
    throw failure;
  }
}

function parseListen(text: string): { hostname: string; port: number } | undefined {
  if (text === "" || text === "off") return undefined;
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  if (!match) throw new UsageError(`--listen "${text}": expected HOST:PORT (or "off")`);
  const port = Number(match[3]);
  if (port > 65535) throw new UsageError(`--listen "${text}": port out of range`);
  return { hostname: match[1] ?? (match[2] || "0.0.0.0"), port };
}

export default podpatrol;

if (import.meta.main) process.exit(await runTool(podpatrol, { argv: process.argv.slice(2) }));
