/**
 * The connecting part of sshping: every plan probed (and the command run) with --forks in flight,
 * each host printed as it finishes, progress on stderr, and the run's counts returned.
 */
import type { ToolContext } from "../../cli/types.ts";
import { Credentials } from "../credentials.ts";
import { probeFleet } from "../fleet.ts";
import { JumpPool } from "../jumps.ts";
import { KnownHostsStore } from "../known-hosts-store.ts";
import type { ConnectionPlan } from "../plan.ts";
import type { ProbeResult } from "../probe.ts";
import { emptyCounts, type StatusCounts } from "../report.ts";
import { hostRecord, printHost } from "./host-output.ts";
import { sshpingMetrics } from "./metrics.ts";
import type { sshpingOptions } from "./options.ts";

export interface ProbeOutcome {
  counts: StatusCounts;
  /** Specs of the hosts that did not succeed, in finishing order (for --retry-file). */
  notOk: string[];
  /** With --group: every result, in the order of the plans. Else empty. */
  kept: ProbeResult[];
  seconds: number;
}

export async function probeHosts(
  plans: readonly ConnectionPlan[],
  ctx: ToolContext<typeof sshpingOptions>,
): Promise<ProbeOutcome> {
  const { options, out, log, env } = ctx;
  const passphrase = env[options.passphraseEnv];
  const credentials = new Credentials({
    passphraseVariable: options.passphraseEnv,
    ...(passphrase !== undefined ? { passphrase } : {}),
    onWarning: (message) => {
      ctx.progress.clear();
      log.warn(message);
    },
  });
  const knownHosts = new KnownHostsStore();
  const context = {
    knownHosts,
    credentials,
    handshakeTimeoutMs: options.handshakeTimeout * 1000,
  };
  const jumpPool = new JumpPool(context, ctx.signal);
  const metrics = sshpingMetrics(ctx.metrics.registry);
  const counts = emptyCounts();
  const keepOutput = options.group;
  const kept: { result: ProbeResult; index: number }[] = [];
  const notOk: string[] = [];
  let done = 0;
  const started = performance.now();
  const withCommand = options.run !== undefined;

  await probeFleet(
    plans,
    {
      ...context,
      ...(withCommand ? { command: options.run } : {}),
      commandTimeoutMs: options.timeout * 1000,
      maxOutputBytes: options.maxOutput,
      retries: options.retries,
      retryBackoffMs: options.retryBackoff * 1000,
      jumpPool,
      concurrency: options.forks,
    },
    ctx.signal,
    (result, index) => {
      done++;
      counts[result.status]++;
      ctx.metrics.itemsProcessed.inc();
      if (result.status !== "ok") {
        ctx.metrics.errors.inc();
        notOk.push(result.spec);
      }
      metrics.up.set({ host: result.name }, result.status === "ok" ? 1 : 0);
      if (result.latencyMs !== undefined)
        metrics.latency.set({ host: result.name }, result.latencyMs / 1000);
      if (result.status === "hostkey_mismatch") log.error(`${result.name}: ${result.error}`);
      ctx.progress.clear();
      if (out.json) out.record(hostRecord(result));
      else if (!options.group) printHost(out, result, withCommand);
      if (keepOutput) kept.push({ result, index });
      out.flush();
      ctx.progress.update(
        () => `sshping: ${done}/${plans.length} done, ${counts.ok} ok, ${done - counts.ok} not ok`,
      );
    },
  );
  jumpPool.closeAll();
  ctx.progress.clear();
  const seconds = (performance.now() - started) / 1000;
  for (const [status, count] of Object.entries(counts)) metrics.hosts.set({ status }, count);
  kept.sort((a, b) => a.index - b.index);
  return { counts, notOk, kept: kept.map((k) => k.result), seconds };
}
