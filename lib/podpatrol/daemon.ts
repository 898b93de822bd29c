// Wires the daemon: kube config -> informers (pods: cluster-wide or one per --namespace; nodes
// when needed) -> engine; leader election; the /metrics /healthz /readyz server; SIGHUP reload
// (by the caller). Returns when `signal` aborts.
import type { KubeConfig } from "@kubernetes/client-node";
import type { Registry } from "prom-client";
import type { Logger } from "../cli/log.ts";
import { registerProcessMetrics } from "../metrics/process-metrics.ts";
import { serveMetrics } from "../metrics/server.ts";
import { addOtlpMetricSource } from "../telemetry/metric-sources.ts";
import { traceUnitsSeparately } from "../telemetry/span.ts";
import type { PatrolConfig } from "./config.ts";
import { PatrolEngine } from "./engine.ts";
import { checkNamespacedAccess } from "./kube/access-check.ts";
import { KubeActuator } from "./kube/actuator.ts";
import { EventRecorder } from "./kube/events.ts";
import { defaultInformerSettings, Informer } from "./kube/informer.ts";
import { LeaderElector, type LeaderSettings } from "./kube/leader.ts";
import { PodInformers } from "./kube/pod-informers.ts";
import { KubeRest } from "./kube/rest.ts";
import type { Node } from "./kube-types.ts";
import { Leadership } from "./leadership.ts";
import { PatrolMetrics } from "./metrics.ts";
import { Readiness } from "./readiness.ts";
import { nodeRuleFlags, type WatchScope, watchesNodes, watchScope } from "./watch-scope.ts";

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
  /**
   * Applies a new configuration, or throws and keeps the old one: a scope change that needs a
   * restart, or a namespace added that the account may not list (AccessRefused, as at start).
   */
  reload(config: PatrolConfig): Promise<void>;
  done: Promise<void>;
}

export function startDaemon(options: DaemonOptions): Daemon {
  const { log, registry } = options;
  const rest = new KubeRest(options.kc);
  let podInformers: PodInformers | undefined;
  let nodeInformer: Informer<Node> | undefined;
  registerProcessMetrics(registry);
  // OTLP (when configured) exports what /metrics serves; one trace per remediation.
  const untrackMetrics = addOtlpMetricSource(registry);
  traceUnitsSeparately();
  const metrics = new PatrolMetrics(registry, (resource) =>
    resource === "pods" ? (podInformers?.size ?? 0) : (nodeInformer?.cache.size ?? 0),
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
      objects: what === "pods" ? podInformers?.size : nodeInformer?.cache.size,
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
    });
    if (what === "nodes") engine.markNodesSynced();
  };
  const onRestart = (resource: string, path?: string) => (reason: string, error?: unknown) => {
    metrics.watchRestarts.inc({ resource, reason });
    const fields = {
      resource,
      ...(path ? { path } : {}),
      reason,
      ...(error ? { error: (error as Error).message ?? String(error) } : {}),
    };
    if (reason === "closed") log.debug("watch closed by the server, resuming", fields);
    else log.warn("watch restarting", fields);
  };
  const informerSettings = {
    idleSeconds: options.watchIdleSeconds ?? defaultInformerSettings.idleSeconds,
  };
  // Nodes first: the node-lost and stuck rules read node state when pods arrive. A namespaced
  // patrol watches them only for the rules that need them (cluster-scoped permissions).
  const scope = watchScope(options.config);
  if (watchesNodes(scope))
    nodeInformer = new Informer<Node>(
      rest,
      "/api/v1/nodes",
      { upsert: (n, p) => engine.nodeUpserted(n, p), remove: (n) => engine.nodeRemoved(n) },
      { onRestart: onRestart("nodes"), onSynced: onSynced("nodes") },
      informerSettings,
    );
  const pods = new PodInformers(
    rest,
    { upsert: (p, prev) => engine.podUpserted(p, prev), remove: (p) => engine.podRemoved(p) },
    {
      onRestart: (path) => onRestart("pods", scope.namespaces.length ? path : undefined),
      onAllSynced: onSynced("pods"),
    },
    informerSettings,
  );
  podInformers = pods;
  // Synced, and every watch worked within the idle bound (stayed open, or delivered): a blind
  // patrol is unready, whether its watches are down, stalled or closed as soon as they open.
  const readiness = new Readiness(
    () => [
      ...pods.unhealthy(),
      ...(nodeInformer && !nodeInformer.healthy() ? [nodeInformer.path] : []),
    ],
    log,
    informerSettings.idleSeconds,
  );
  const ready = () => readiness.ready();

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

  nodeInformer?.start();
  pods.watch(scope.namespaces);
  engine.start();
  leadership.start();
  log.info("podpatrol started", {
    identity: options.identity,
    dryRun: options.config.dryRun,
    rules: Object.entries(options.config.rules)
      .filter(([, a]) => a.enabled)
      .map(([n]) => n),
    leaderElection: Boolean(options.leader),
    namespaces: scope.namespaces.length ? scope.namespaces : "all",
    nodes: Boolean(nodeInformer),
  });
  if (lease && options.config.dryRun)
    log.info("dry-run: not taking part in leader election, the Lease is left alone", { lease });

  const done = new Promise<void>((resolve) => {
    const finish = async () => {
      readiness.stop();
      pods.stop();
      nodeInformer?.stop();
      // The actions under way end (logged, Event sent) before the Lease is handed back: another
      // replica must not start acting while this one still is.
      await engine.stop();
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
    async reload(config) {
      const next = watchScope(config);
      checkScopeChange(scope, next, Boolean(nodeInformer));
      // As at start, before watching them: a namespace the account may not list would otherwise
      // be retried forever, 403 after 403, with the patrol unready. Nodes were checked at start,
      // and a reload cannot add their watch (above).
      const added = next.namespaces.filter((n) => !scope.namespaces.includes(n));
      if (added.length > 0) await checkNamespacedAccess(rest, { namespaces: added, nodeRules: [] });
      if (options.signal.aborted) return; // stopped while checking: nothing left to reconfigure
      if (lease && config.dryRun !== engine.currentConfig.dryRun) {
        const change = config.dryRun ? "dry-run: leaving" : "live: joining";
        log.info(`${change} leader election`, { lease });
      }
      // Before the engine judges again under the new configuration: going live, it acts only
      // once this replica leads.
      leadership.setDryRun(config.dryRun);
      engine.setConfig(config);
      pods.watch(next.namespaces);
      scope.namespaces = next.namespaces;
      scope.nodeRules = next.nodeRules;
    },
    done,
  };
}

/**
 * A reload may change the namespace list, not what the patrol needs permissions for: all
 * namespaces against a list (cluster-wide list against Roles), or nodes it was started without.
 * Throws (the caller keeps the old configuration) with what to do instead. `watchingNodes` is
 * not `before`'s: the node watch outlives a reload that turned the node rules off.
 */
function checkScopeChange(before: WatchScope, after: WatchScope, watchingNodes: boolean): void {
  const all = (scope: WatchScope) => scope.namespaces.length === 0;
  if (all(before) !== all(after)) {
    const change = all(after)
      ? "from a namespace list to all namespaces"
      : "from all namespaces to a namespace list";
    throw new Error(
      `namespace: ${change} changes the permissions podpatrol needs (cluster-wide pod list or namespaced Roles); restart podpatrol to change it`,
    );
  }
  if (watchesNodes(after) && !watchingNodes)
    throw new Error(
      `rules reading nodes enabled, but this patrol was started without a node watch; restart podpatrol to watch nodes (or keep them off: ${nodeRuleFlags(after)})`,
    );
}
