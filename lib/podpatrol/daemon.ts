// Wires the daemon: kube config -> informers (pods, nodes) -> engine; leader election; the
// /metrics /healthz /readyz server; SIGHUP reload (by the caller). Returns when `signal` aborts.
import type { KubeConfig } from "@kubernetes/client-node";
import type { Registry } from "prom-client";
import type { Logger } from "../cli/log.ts";
import { registerProcessMetrics } from "../metrics/process-metrics.ts";
import { serveMetrics } from "../metrics/server.ts";
import { addOtlpMetricSource } from "../telemetry/metric-sources.ts";
import { traceUnitsSeparately } from "../telemetry/span.ts";
import type { PatrolConfig } from "./config.ts";
import { PatrolEngine } from "./engine.ts";
import { KubeActuator } from "./kube/actuator.ts";
import { EventRecorder } from "./kube/events.ts";
import { defaultInformerSettings, Informer } from "./kube/informer.ts";
import { LeaderElector, type LeaderSettings } from "./kube/leader.ts";
import { KubeRest } from "./kube/rest.ts";
import type { Node, Pod } from "./kube-types.ts";
import { Leadership } from "./leadership.ts";
import { PatrolMetrics } from "./metrics.ts";

export interface DaemonOptions {
  kc: KubeConfig;
  config: PatrolConfig;
  log: Logger;
  registry: Registry;
  listen: { hostname: string; port: number } | undefined;
  /** Undefined: no election, this replica acts alone. A dry run takes no part in it either. */
  leader: Omit<LeaderSettings, "identity"> | undefined;
  identity: string;
  signal: AbortSignal;
  /** Called once serving, with the bound port (tests listen on port 0). */
  onListening?(port: number): void;
  /** Seconds a watch may stay silent, and have none open, before it is restarted or unready. */
  watchIdleSeconds?: number;
}

export interface Daemon {
  engine: PatrolEngine;
  metrics: PatrolMetrics;
  reload(config: PatrolConfig): void;
  done: Promise<void>;
}

export function startDaemon(options: DaemonOptions): Daemon {
  const { log, registry } = options;
  const rest = new KubeRest(options.kc);
  let podInformer: Informer<Pod> | undefined;
  let nodeInformer: Informer<Node> | undefined;
  registerProcessMetrics(registry);
  // OTLP (when configured) exports what /metrics serves; one trace per remediation.
  const untrackMetrics = addOtlpMetricSource(registry);
  traceUnitsSeparately();
  const metrics = new PatrolMetrics(registry, (resource) =>
    resource === "pods" ? (podInformer?.cache.size ?? 0) : (nodeInformer?.cache.size ?? 0),
  );
  const leader = options.leader;
  const leadership = new Leadership(
    leader &&
      (() =>
        new LeaderElector(rest, { ...leader, identity: options.identity }, log, (leading) => {
          metrics.leader.set(leading ? 1 : 0);
        })),
    options.config.dryRun,
  );
  const engine = new PatrolEngine(options.config, {
    log,
    metrics,
    actuator: new KubeActuator(rest),
    events: new EventRecorder(rest, options.identity, log),
    isLeader: () => leadership.isLeader,
  });

  const started = performance.now();
  const onSynced = (what: string) => () => {
    log.info(`${what} cache synced`, {
      objects: what === "pods" ? podInformer?.cache.size : nodeInformer?.cache.size,
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
    });
    if (what === "nodes") engine.markNodesSynced();
  };
  const onRestart = (resource: string) => (reason: string, error?: unknown) => {
    metrics.watchRestarts.inc({ resource, reason });
    const fields = {
      resource,
      reason,
      ...(error ? { error: (error as Error).message ?? String(error) } : {}),
    };
    if (reason === "closed") log.debug("watch closed by the server, resuming", fields);
    else log.warn("watch restarting", fields);
  };
  const informerSettings = {
    idleSeconds: options.watchIdleSeconds ?? defaultInformerSettings.idleSeconds,
  };
  // Nodes first: the node-lost and stuck rules read node state when pods arrive.
  nodeInformer = new Informer<Node>(
    rest,
    "/api/v1/nodes",
    { upsert: (n, p) => engine.nodeUpserted(n, p), remove: (n) => engine.nodeRemoved(n) },
    { onRestart: onRestart("nodes"), onSynced: onSynced("nodes") },
    informerSettings,
  );
  podInformer = new Informer<Pod>(
    rest,
    "/api/v1/pods",
    { upsert: (p, prev) => engine.podUpserted(p, prev), remove: (p) => engine.podRemoved(p) },
    { onRestart: onRestart("pods"), onSynced: onSynced("pods") },
    informerSettings,
  );
  // Synced, and no watch down (or silent) for longer than the idle bound: a blind patrol is unready.
  const ready = () => Boolean(podInformer?.healthy() && nodeInformer?.healthy());

  const server = options.listen
    ? serveMetrics({
        registry,
        hostname: options.listen.hostname,
        port: options.listen.port,
        ready,
      })
    : undefined;
  if (server) {
    log.info("serving /metrics /healthz /readyz", {
      address: `${options.listen?.hostname}:${server.port}`,
    });
    options.onListening?.(server.port ?? 0);
  }

  if (!leader) metrics.leader.set(1);
  const lease = leader && `${leader.namespace}/${leader.name}`;

  nodeInformer.start();
  podInformer.start();
  engine.start();
  leadership.start();
  log.info("podpatrol started", {
    identity: options.identity,
    dryRun: options.config.dryRun,
    rules: Object.entries(options.config.rules)
      .filter(([, a]) => a.enabled)
      .map(([n]) => n),
    leaderElection: Boolean(options.leader),
  });
  if (lease && options.config.dryRun)
    log.info("dry-run: not taking part in leader election, the Lease is left alone", { lease });

  const done = new Promise<void>((resolve) => {
    const finish = async () => {
      engine.stop();
      podInformer?.stop();
      nodeInformer?.stop();
      await leadership.stop();
      server?.stop(true);
      untrackMetrics();
      log.info("podpatrol stopped");
      resolve();
    };
    if (options.signal.aborted) void finish();
    else options.signal.addEventListener("abort", () => void finish(), { once: true });
  });

  return {
    engine,
    metrics,
    reload(config) {
      if (lease && config.dryRun !== engine.currentConfig.dryRun) {
        const change = config.dryRun ? "dry-run: leaving" : "live: joining";
        log.info(`${change} leader election`, { lease });
      }
      // Before the engine judges again under the new configuration: going live, it acts only
      // once this replica leads.
      leadership.setDryRun(config.dryRun);
      engine.setConfig(config);
    },
    done,
  };
}
