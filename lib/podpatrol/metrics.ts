// podpatrol's Prometheus metrics (names opsctl_podpatrol_*, base units).
import { Counter, Gauge, Histogram, type Registry } from "../metrics/prom.ts";

export class PatrolMetrics {
  readonly actions: Counter<"rule" | "action" | "result">;
  readonly skipped: Counter<"rule" | "reason">;
  readonly watchRestarts: Counter<"resource" | "reason">;
  readonly cacheObjects: Gauge<"resource">;
  readonly reactionLatency: Histogram<"rule">;
  readonly circuitsOpen: Gauge;
  readonly circuitTrips: Counter<"rule" | "reason">;
  readonly leader: Gauge;
  readonly reloads: Counter<"result">;

  constructor(registry: Registry, cacheSize: (resource: string) => number) {
    const registers = [registry];
    this.actions = new Counter({
      name: "opsctl_podpatrol_actions_total",
      help: "Remediation actions by rule, action and result (success, failed, blocked, gone, changed, dry_run).",
      labelNames: ["rule", "action", "result"],
      registers,
    });
    this.skipped = new Counter({
      name: "opsctl_podpatrol_skipped_total",
      help: "Decisions not to act on an object a rule matched, by reason.",
      labelNames: ["rule", "reason"],
      registers,
    });
    this.watchRestarts = new Counter({
      name: "opsctl_podpatrol_watch_restarts_total",
      help: "Watch restarts by resource and reason (closed, expired, error, idle, list-error).",
      labelNames: ["resource", "reason"],
      registers,
    });
    this.cacheObjects = new Gauge({
      name: "opsctl_podpatrol_cache_objects",
      help: "Objects held in the informer caches.",
      labelNames: ["resource"],
      registers,
      collect() {
        for (const resource of ["pods", "nodes"]) this.set({ resource }, cacheSize(resource));
      },
    });
    this.reactionLatency = new Histogram({
      name: "opsctl_podpatrol_reaction_latency_seconds",
      help: "From a rule's condition being met (or first seen) to the action completing.",
      labelNames: ["rule"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.circuitsOpen = new Gauge({
      name: "opsctl_podpatrol_circuits_open",
      help: "Owners whose circuit breaker is open (remediation stopped).",
      registers,
    });
    this.circuitTrips = new Counter({
      name: "opsctl_podpatrol_circuit_trips_total",
      help: "Times an owner's circuit breaker opened, by rule and reason.",
      labelNames: ["rule", "reason"],
      registers,
    });
    this.leader = new Gauge({
      name: "opsctl_podpatrol_leader",
      help: "1 while this replica holds the leader Lease and acts.",
      registers,
    });
    this.reloads = new Counter({
      name: "opsctl_podpatrol_config_reloads_total",
      help: "SIGHUP configuration reloads by result (success, invalid, forbidden: a new namespace the account may not list).",
      labelNames: ["result"],
      registers,
    });
  }
}
