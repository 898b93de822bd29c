/**
 * Runs each check on its own interval (next start = previous start + interval, no drift), at
 * most `concurrency` at a time, writing results into the store. stop() aborts runs in flight.
 */
import type { Logger } from "../cli/log.ts";
import { runCheck } from "./run-check.ts";
import type { ResultStore } from "./store.ts";
import type { CheckResult, CheckSpec } from "./types.ts";

/** Upper bound of the first-run offset, so /readyz turns ready within seconds. */
const maxSpreadSeconds = 5;

export class Scheduler {
  private readonly controller = new AbortController();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly checks: CheckSpec[],
    private readonly store: ResultStore,
    private readonly log: Logger,
    private readonly concurrency: number,
    private readonly onResult: (spec: CheckSpec, result: CheckResult) => void = () => {},
  ) {}

  /**
   * First runs are spread over the first few seconds (a fixed offset per check name, as
   * Prometheus spreads its scrapes) so targets and the exporter see no burst every interval.
   */
  start(): void {
    for (const spec of this.checks) {
      const fraction = Number(BigInt(Bun.hash(spec.name)) % 1000n) / 1000;
      this.schedule(spec, Math.round(fraction * Math.min(spec.interval, maxSpreadSeconds) * 1000));
    }
  }

  stop(): void {
    this.controller.abort(new Error("exporter stopping or reloading"));
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of this.queue.splice(0)) wake();
  }

  private schedule(spec: CheckSpec, delayMs: number): void {
    if (this.controller.signal.aborted) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.runOnce(spec);
    }, delayMs);
    this.timers.add(timer);
  }

  private async runOnce(spec: CheckSpec): Promise<void> {
    // Monotonic: a wall clock stepped back during the run would postpone the next by the step.
    const started = performance.now();
    await this.slot();
    const signal = this.controller.signal;
    try {
      if (signal.aborted) return;
      const result = await runCheck(spec, spec.target, { signal, log: this.log });
      if (signal.aborted) return; // a reload happened meanwhile: the new scheduler owns the store
      this.store.set(spec, result);
      this.onResult(spec, result);
      if (!result.success)
        this.log.debug("check failed", { check: spec.name, kind: spec.kind, reason: result.error });
    } catch (error) {
      this.log.error("check crashed", { check: spec.name, error: (error as Error).message });
    } finally {
      this.release();
      const next = started + spec.interval * 1000;
      this.schedule(spec, Math.max(0, next - performance.now()));
    }
  }

  private slot(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.queue.push(() => {
        this.running++;
        resolve();
      });
    });
  }

  private release(): void {
    this.running--;
    this.queue.shift()?.();
  }
}
