/** The exporter's own metrics: process, scrapes, reloads, check runs. */

import { registerProcessMetrics } from "../metrics/process-metrics.ts";
import { Counter, Gauge, Registry } from "../metrics/prom.ts";

export class SelfMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<"endpoint">;
  readonly reloads: Counter<"result">;
  readonly lastReloadSuccessful: Gauge;
  readonly lastReloadSuccessTime: Gauge;
  readonly checks: Gauge;
  readonly checkRuns: Counter<"kind" | "result">;

  constructor() {
    const registers = [this.registry];
    registerProcessMetrics(this.registry);
    this.requests = new Counter({
      name: "opsctl_exporter_requests_total",
      help: "HTTP requests served, by endpoint (metrics, probe, other).",
      labelNames: ["endpoint"],
      registers,
    });
    this.reloads = new Counter({
      name: "opsctl_exporter_config_reloads_total",
      help: "Configuration reloads, by result (success, failure).",
      labelNames: ["result"],
      registers,
    });
    this.lastReloadSuccessful = new Gauge({
      name: "opsctl_exporter_config_last_reload_successful",
      help: "1 if the last configuration (re)load succeeded.",
      registers,
    });
    this.lastReloadSuccessTime = new Gauge({
      name: "opsctl_exporter_config_last_reload_success_timestamp_seconds",
      help: "Unix time of the last successful configuration load.",
      registers,
    });
    this.checks = new Gauge({
      name: "opsctl_exporter_checks",
      help: "Scheduled checks configured.",
      registers,
    });
    this.checkRuns = new Counter({
      name: "opsctl_exporter_check_runs_total",
      help: "Check and probe runs, by kind and result (success, failure).",
      labelNames: ["kind", "result"],
      registers,
    });
  }
}
