import { hostname } from "node:os";
import { UsageError } from "../cli/errors.ts";
import type { ToolContext } from "../cli/types.ts";
import { maxTimerSeconds } from "../cli/values.ts";
import { loadKubeConfig } from "../k8s/config.ts";
import { Registry } from "../metrics/prom.ts";
import { buildConfig } from "./config.ts";
import { type Daemon, startDaemon } from "./daemon.ts";
import { AccessRefused, checkNamespacedAccess } from "./kube/access-check.ts";
import { KubeApiError, KubeRest } from "./kube/rest.ts";
import type { podpatrolOptions } from "./options.ts";
import { patrolFlags, reloadConfig } from "./reload.ts";
import { watchScope } from "./watch-scope.ts";

/** The daemon behind `podpatrol`: loaded by the script only when it really runs. */
export async function runPodpatrol(
  ctx: ToolContext<typeof podpatrolOptions>,
  options: typeof podpatrolOptions,
): Promise<number> {
  // Installed first: SIGHUP's default action kills the process, and the start probe alone can
  // take 10 s. A reload asked for before the patrol runs is done as soon as it does.
  let daemon: Daemon | undefined;
  let reloadQueued = false;
  const reload = async (running: Daemon) => {
    try {
      const next = reloadConfig(ctx, options);
      await running.reload(next);
      if (ctx.signal.aborted) return; // stopped meanwhile: nothing was applied
      running.metrics.reloads.inc({ result: "success" });
      ctx.log.info("configuration reloaded", { file: ctx.configFile });
    } catch (error) {
      ctx.log.error(
        `configuration not reloaded, keeping the previous one: ${(error as Error).message}`,
        { file: ctx.configFile },
      );
      const result = error instanceof AccessRefused ? "forbidden" : "invalid";
      running.metrics.reloads.inc({ result });
    }
  };
  // A reload waits for the access check of new namespaces: one at a time, each reading the file
  // when its turn comes, so the last SIGHUP's file is the one that stays.
  let reloads = Promise.resolve();
  const onHangup = () => {
    if (!daemon) {
      reloadQueued = true;
      ctx.log.info("SIGHUP while starting: the configuration is reloaded once running", {
        file: ctx.configFile,
      });
      return;
    }
    const running = daemon;
    reloads = reloads.then(() => reload(running));
  };
  process.on("SIGHUP", onHangup);
  try {
    daemon = await startPatrol(ctx);
    if (reloadQueued) onHangup();
    await daemon.done;
  } finally {
    process.off("SIGHUP", onHangup);
  }
  return 0;
}

/** Checks the flags and the API server, then starts the daemon. */
async function startPatrol(ctx: ToolContext<typeof podpatrolOptions>): Promise<Daemon> {
  const o = ctx.options;
  const config = buildConfig(patrolFlags(o as unknown as Record<string, unknown>), ctx.config);
  const listen = parseListen(o.listen);
  if (o.leaderElect) checkLeaseDuration(o.leaseDuration);
  let kc: ReturnType<typeof loadKubeConfig>;
  try {
    kc = loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.context, env: ctx.env });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  await probeApiServer(kc);
  const scope = watchScope(config);
  if (scope.namespaces.length > 0) await checkNamespacedAccess(new KubeRest(kc), scope);
  const identity = o.identity ?? ctx.env.POD_NAME ?? `${hostname()}-${process.pid}`;
  const registry = new Registry();
  return startDaemon({
    kc,
    config,
    log: ctx.log,
    registry,
    listen,
    identity,
    signal: ctx.signal,
    leader: o.leaderElect
      ? {
          namespace: o.leaseNamespace ?? ctx.env.POD_NAMESPACE ?? "default",
          name: o.leaseName,
          leaseDuration: o.leaseDuration,
          renewDeadline: Math.max(1, o.leaseDuration * (2 / 3)),
          retryPeriod: Math.max(0.5, o.leaseDuration / 7.5),
        }
      : undefined,
  });
}

/** One request before starting: an unreachable or refusing API server is reported at once. */
async function probeApiServer(kc: ReturnType<typeof loadKubeConfig>): Promise<void> {
  const rest = new KubeRest(kc);
  try {
    await rest.request("GET", "/version", { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    if (error instanceof KubeApiError) {
      // 401/403 on /version: bad credentials. Anything else: it answered, start and retry.
      if (error.status === 401 || error.status === 403)
        throw new Error(`API server ${rest.server} refused the credentials: ${error.message}`);
      return;
    }
    const failure = new Error(
      `API server ${rest.server} unreachable: ${(error as Error).message}`,
    ) as Error & { exitCode: number };
    failure.exitCode = 4;
    throw failure;
  }
}

/**
 * The Lease stores whole seconds above 0: the API server refuses 1.5 or 0, and the replica would
 * never lead (nor act), only log warnings. Over 24 days a timer cannot wait a renewal period.
 */
function checkLeaseDuration(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxTimerSeconds) {
    throw new UsageError(
      `--lease-duration ${seconds}s: must be a whole number of seconds from 1s to 24d`,
    );
  }
}

function parseListen(text: string): { hostname: string; port: number } | undefined {
  if (text === "" || text === "off") return undefined;
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  if (!match) throw new UsageError(`--listen "${text}": expected HOST:PORT (or "off")`);
  const port = Number(match[3]);
  if (port > 65535) throw new UsageError(`--listen "${text}": port out of range`);
  return { hostname: match[1] ?? (match[2] || "0.0.0.0"), port };
}
