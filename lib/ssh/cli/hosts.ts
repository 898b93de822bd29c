/**
 * sshping's hosts: HOST arguments, host files and inventories -> targets -> connection plans
 * (ssh_config and flags applied). Every bad input becomes a UsageError (exit 2) naming it.
 */
import { UsageError } from "../../cli/errors.ts";
import { localUsername } from "../local-user.ts";
import { type ConnectionPlan, type HostKeyChecking, planTarget } from "../plan.ts";
import { loadSshConfig } from "../ssh-config.ts";
import type { HostTarget } from "../target.ts";
import { collectTargets } from "../targets.ts";
import type { SshpingValues } from "./options.ts";

type Env = Record<string, string | undefined>;

/**
 * The hosts the command line selects; none at all is a usage error. Stopped by `signal` while an
 * inventory script runs, it throws the signal's reason.
 */
export async function selectTargets(
  positionals: readonly string[],
  options: SshpingValues,
  signal?: AbortSignal,
): Promise<HostTarget[]> {
  const targets = await (async () => {
    try {
      return await collectTargets(
        {
          args: positionals,
          hostsFiles: options.hostsFile,
          inventories: options.inventory,
          ...(options.limit ? { limit: options.limit } : {}),
        },
        signal,
      );
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new UsageError((error as Error).message);
    }
  })();
  if (targets.length === 0) {
    if (positionals.length + options.hostsFile.length + options.inventory.length === 0)
      throw new UsageError("no hosts: give HOST arguments, --hosts-file FILE or -i INVENTORY");
    throw new UsageError("no hosts matched");
  }
  return targets;
}

/** How each target is reached: flags first, then ssh_config, then sshping's defaults. */
export function planConnections(
  targets: readonly HostTarget[],
  options: SshpingValues,
  env: Env,
  home: string,
): ConnectionPlan[] {
  const sshConfig = (() => {
    try {
      return loadSshConfig({ home, ...(options.sshConfig ? { file: options.sshConfig } : {}) });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  })();
  return targets.map((target) => {
    try {
      return planTarget(target, sshConfig, {
        home,
        localUser: localUsername(env),
        identityFiles: options.privateKey,
        defaultConnectTimeoutMs: 5000,
        defaultKeepaliveIntervalMs: 15000,
        ...(options.user ? { user: options.user } : {}),
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(env.SSH_AUTH_SOCK ? { agentSocket: env.SSH_AUTH_SOCK } : {}),
        ...(options.connectTimeout !== undefined
          ? { connectTimeoutMs: options.connectTimeout * 1000 }
          : {}),
        ...(options.keepalive !== undefined
          ? { keepaliveIntervalMs: options.keepalive * 1000 }
          : {}),
        ...(options.hostKeyChecking
          ? { hostKeyChecking: options.hostKeyChecking as HostKeyChecking }
          : {}),
        ...(options.knownHosts.length > 0 ? { knownHostsFiles: options.knownHosts } : {}),
        ...(options.jump ? { jump: options.jump } : {}),
      });
    } catch (error) {
      throw new UsageError(`${target.name}: ${(error as Error).message}`);
    }
  });
}
