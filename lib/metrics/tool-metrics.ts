import { Counter, Gauge, Registry } from "./prom.ts";

/** Kept across failed runs (the Prometheus batch-job convention): see ToolMetrics.exposition. */
export const lastSuccessMetric = "opsctl_last_success_timestamp_seconds";

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
      name: lastSuccessMetric,
      help: "Unix time of the last run that exited 0.",
      registers,
    });
    this.exitCode = new Gauge({
      name: "opsctl_last_exit_code",
      help: "Exit code of the last run.",
      registers,
    });
  }

  private succeeded = false;

  /** Called once by the runner when the tool returns. */
  finishRun(durationSeconds: number, exitCode: number): void {
    this.runDuration.set(durationSeconds);
    this.exitCode.set(exitCode);
    if (exitCode === 0) {
      this.lastSuccess.set(Date.now() / 1000);
      this.succeeded = true;
    }
  }

  /**
   * The run's metrics as text. Unless the run succeeded, last success is left out: its 0 would
   * read as 1970 to a `time() - last_success > X` alert. The shipper keeps the previous value.
   */
  async exposition(): Promise<string> {
    if (this.succeeded) return this.registry.metrics();
    this.registry.removeSingleMetric(lastSuccessMetric);
    try {
      return await this.registry.metrics();
    } finally {
      this.registry.registerMetric(this.lastSuccess);
    }
  }
}
