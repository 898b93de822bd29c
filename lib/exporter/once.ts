/** --once: every scheduled check runs once, now, concurrently; for cron, CI and debugging. */
import type { Logger } from "../cli/log.ts";
import type { ExporterConfig } from "./config.ts";
import { runCheck } from "./run-check.ts";
import type { CheckResult, CheckSpec } from "./types.ts";

export async function runAllOnce(
  config: ExporterConfig,
  log: Logger,
  signal: AbortSignal,
): Promise<{ spec: CheckSpec; result: CheckResult }[]> {
  return Promise.all(
    config.checks.map(async (spec) => ({
      spec,
      result: await runCheck(spec, spec.target, { signal, log }),
    })),
  );
}
