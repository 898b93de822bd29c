import type { ConnectionPlan } from "./plan.ts";
import { type ProbeOptions, type ProbeResult, probeHost } from "./probe.ts";

export interface FleetOptions extends ProbeOptions {
  /** Hosts in flight at once. */
  concurrency: number;
}

/**
 * Probes every plan with at most `concurrency` in flight, in one process. Results are handed to
 * `onResult` as they finish; after a cancel, hosts never started are reported as cancelled.
 */
export async function probeFleet(
  plans: readonly ConnectionPlan[],
  options: FleetOptions,
  signal: AbortSignal,
  onResult: (result: ProbeResult, index: number) => void,
  onStart?: (plan: ConnectionPlan, index: number) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      const plan = plans[index];
      if (!plan) return;
      if (signal.aborted) {
        onResult(
          {
            name: plan.name,
            spec: plan.spec,
            host: plan.host,
            port: plan.port,
            user: plan.user,
            status: "cancelled",
            error: "not started (interrupted)",
            attempts: 0,
          },
          index,
        );
        continue;
      }
      onStart?.(plan, index);
      onResult(await probeHost(plan, options, signal), index);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, plans.length));
  await Promise.all(Array.from({ length: workers }, worker));
}
