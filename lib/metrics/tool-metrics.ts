import { Counter, Gauge, Registry } from "./prom.ts";

/**
 * One registry per process, with the metrics every tool records. Tools add their own
 * instruments to `registry`; names follow Prometheus conventions (base units, _total counters).
 */
export class ToolMetrics {
  readonly registry = new Registry();
  readonly runDuration: Gauge;
  readonly itemsProcessed: Counter;
  readonly errors: Counter;
  readonly lastSuccess: Gauge;
  readonly exitCode: Gauge;

  constructor(readonly tool: string) {
    this.registry.setDefaultLabels({ tool });
    const registers = [this.registry];
    this.runDuration = new Gauge({
      name: "opsctl_run_duration_seconds",
      help: "Wall time of the last run of the tool.",
      registers,
    });
    this.itemsProcessed = new Counter({
      name: "opsctl_items_processed_total",
      help: "Items (files, hosts, lines, checks...) the tool processed.",
      registers,
    });
    this.errors = new Counter({
      name: "opsctl_errors_total",
      help: "Errors the tool met while running.",
      registers,
    });
    this.lastSuccess = new Gauge({
      name: "opsctl_last_success_timestamp_seconds",
      help: "Unix time of the last run that exited 0.",
      registers,
    });
    this.exitCode = new Gauge({
      name: "opsctl_last_exit_code",
      help: "Exit code of the last run.",
      registers,
    });
  }

  /** Called once by the runner when the tool returns. */
  finishRun(durationSeconds: number, exitCode: number): void {
    this.runDuration.set(durationSeconds);
    this.exitCode.set(exitCode);
    if (exitCode === 0) this.lastSuccess.set(Date.now() / 1000);
  }

  exposition(): Promise<string> {
    return this.registry.metrics();
  }
}
