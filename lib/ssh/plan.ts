import { maxTimerSeconds } from "../cli/values.ts";
import { defaultIdentityFiles } from "./credentials.ts";
import { expandTokens, type SshConfig } from "./ssh-config.ts";
import { type HostTarget, parseHostSpec } from "./target.ts";

export type HostKeyChecking = "strict" | "accept-new" | "off";

/** Everything needed to open one SSH connection (a target, or one jump host on the way). */
export interface HopPlan {
  /** Label for messages: the name as typed. */
  label: string;
  /** Address connected to (HostName). */
  host: string;
  port: number;
  user: string;
  identityFiles: { path: string; implicit: boolean }[];
  identitiesOnly: boolean;
  /** ssh-agent socket, or undefined for none. */
  agentSocket?: string;
  /** Name looked up in known_hosts (HostKeyAlias or HostName). */
  hostKeyName: string;
  /** hostKeyName is a HostKeyAlias: ssh looks it up and records it as is, never as [alias]:port. */
  hostKeyIsAlias?: boolean;
  hostKeyChecking: HostKeyChecking;
  knownHostsFiles: string[];
  /** Read-only system files (/etc/ssh/ssh_known_hosts). */
  globalKnownHostsFiles: string[];
  hashKnownHosts: boolean;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** Set when ssh_config asks for something sshping cannot do (ProxyCommand): the probe fails with it. */
  unsupported?: string;
}

export interface ConnectionPlan extends HopPlan {
  /** Target name shown in reports. */
  name: string;
  /** Re-usable input form (--retry-file). */
  spec: string;
  /** ProxyJump hops, first to last. */
  jumps: HopPlan[];
}

/** Values from the command line: `undefined` means "not given, let ssh_config decide". */
export interface PlanDefaults {
  home: string;
  localUser: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  agentSocket?: string;
  connectTimeoutMs?: number;
  defaultConnectTimeoutMs: number;
  hostKeyChecking?: HostKeyChecking;
  knownHostsFiles?: string[];
  keepaliveIntervalMs?: number;
  defaultKeepaliveIntervalMs: number;
  jump?: string;
}

/** Resolves a target through ~/.ssh/config and the command line into a connection plan. */
export function planTarget(
  target: HostTarget,
  config: SshConfig,
  defaults: PlanDefaults,
): ConnectionPlan {
  const hop = planHop(
    {
      label: target.name,
      host: target.host,
      ...(target.port !== undefined ? { port: target.port } : {}),
      ...(target.user ? { user: target.user } : {}),
      identityFiles: [
        ...(target.identityFile ? [target.identityFile] : []),
        ...(target.identityFiles ?? []),
      ],
      ...(target.knownHostsFiles ? { knownHostsFiles: target.knownHostsFiles } : {}),
      ...(target.serverAliveCountMax !== undefined
        ? { keepaliveCountMax: target.serverAliveCountMax }
        : {}),
      ...(target.identitiesOnly !== undefined ? { identitiesOnly: target.identitiesOnly } : {}),
    },
    config,
    targetDefaults(target, defaults),
  );
  const resolved = config.resolve(target.host);
  const jumps = planJumps(target.jump ?? defaults.jump ?? resolved.proxyJump, config, defaults, []);
  return {
    ...hop,
    ...(target.unsupported ? { unsupported: target.unsupported } : {}),
    name: target.name,
    spec: target.spec,
    jumps,
  };
}

/** The target's own ssh options (inventory ssh arguments) in place of the flags they beat. */
function targetDefaults(target: HostTarget, defaults: PlanDefaults): PlanDefaults {
  return {
    ...defaults,
    ...(target.connectTimeout ? { connectTimeoutMs: timerMs(target.connectTimeout) } : {}),
    // 0 is meaningful here: no keepalives, as ssh's ServerAliveInterval 0.
    ...(target.serverAliveInterval !== undefined
      ? { keepaliveIntervalMs: timerMs(target.serverAliveInterval) }
      : {}),
    ...(target.strictHostKeyChecking
      ? { hostKeyChecking: strictFromConfig(target.strictHostKeyChecking) }
      : {}),
  };
}

/**
 * ProxyJump hops in connection order. As OpenSSH does, the first hop is reached with its own
 * ssh_config, so its own ProxyJump comes before it (recursively); later hops are reached through
 * the previous one and their ProxyJump does not apply.
 */
function planJumps(
  jumpText: string | undefined,
  config: SshConfig,
  defaults: PlanDefaults,
  seen: readonly string[],
): HopPlan[] {
  if (!jumpText || jumpText.toLowerCase() === "none") return [];
  const jumps: HopPlan[] = [];
  for (const [index, part] of jumpText.split(",").entries()) {
    const spec = parseHostSpec(part.replace(/^ssh:\/\//, ""));
    if (index === 0) {
      const label = part.trim();
      if (seen.includes(label) || seen.length >= maxJumpDepth)
        throw new Error(`ProxyJump: ${[...seen, label].join(" -> ")}: a loop or too deep`);
      jumps.push(
        ...planJumps(config.resolve(spec.host).proxyJump, config, defaults, [...seen, label]),
      );
    }
    jumps.push(
      planHop(
        {
          label: part.trim(),
          host: spec.host,
          ...(spec.port !== undefined ? { port: spec.port } : {}),
          ...(spec.user ? { user: spec.user } : {}),
        },
        config,
        { ...defaults, user: undefined, port: undefined },
      ),
    );
  }
  return jumps;
}

const maxJumpDepth = 8;

interface HopInput {
  label: string;
  host: string;
  port?: number;
  user?: string;
  identityFiles?: string[];
  /** UserKnownHostsFile from the inventory: unlike --known-hosts, the global files still apply. */
  knownHostsFiles?: string[];
  /** ServerAliveCountMax and IdentitiesOnly from the inventory: they beat ssh_config. */
  keepaliveCountMax?: number;
  identitiesOnly?: boolean;
}

function planHop(input: HopInput, config: SshConfig, defaults: PlanDefaults): HopPlan {
  const resolved = config.resolve(input.host);
  const port = input.port ?? defaults.port ?? resolved.port ?? 22;
  const user = input.user ?? defaults.user ?? resolved.user ?? defaults.localUser;
  const tokens = {
    host: input.host,
    originalHost: input.host,
    port,
    remoteUser: user,
    localUser: defaults.localUser,
    home: defaults.home,
  };
  const host = resolved.hostName ? expandTokens(resolved.hostName, tokens) : input.host;
  const pathTokens = { ...tokens, host };
  const explicit = [
    ...(input.identityFiles ?? []),
    ...defaults.identityFiles,
    ...resolved.identityFiles,
  ].map((path) => ({ path: expandTokens(path, pathTokens), implicit: false }));
  const identityFiles =
    explicit.length > 0
      ? explicit
      : defaultIdentityFiles(defaults.home).map((path) => ({ path, implicit: true }));
  const agentFromConfig = resolved.identityAgent;
  const agentSocket =
    agentFromConfig === undefined
      ? defaults.agentSocket
      : agentFromConfig.toLowerCase() === "none"
        ? undefined
        : agentFromConfig === "SSH_AUTH_SOCK"
          ? defaults.agentSocket
          : expandTokens(agentFromConfig, pathTokens);
  const knownHostsFiles = (
    input.knownHostsFiles ??
    defaults.knownHostsFiles ??
    resolved.userKnownHostsFiles ?? [
      `${defaults.home}/.ssh/known_hosts`,
      `${defaults.home}/.ssh/known_hosts2`,
    ]
  )
    .filter(isAFile)
    .map((path) => expandTokens(path, pathTokens));
  const globalKnownHostsFiles = defaults.knownHostsFiles
    ? []
    : (
        resolved.globalKnownHostsFiles ?? ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"]
      ).filter(isAFile);
  const connectTimeoutMs =
    defaults.connectTimeoutMs ??
    (resolved.connectTimeout ? timerMs(resolved.connectTimeout) : defaults.defaultConnectTimeoutMs);
  const keepaliveIntervalMs =
    defaults.keepaliveIntervalMs ??
    (resolved.serverAliveInterval !== undefined
      ? timerMs(resolved.serverAliveInterval)
      : defaults.defaultKeepaliveIntervalMs);
  return {
    label: input.label,
    host,
    port,
    user,
    identityFiles,
    identitiesOnly: input.identitiesOnly ?? resolved.identitiesOnly ?? false,
    ...(agentSocket ? { agentSocket } : {}),
    hostKeyName: resolved.hostKeyAlias ?? host,
    ...(resolved.hostKeyAlias ? { hostKeyIsAlias: true } : {}),
    hostKeyChecking: defaults.hostKeyChecking ?? strictFromConfig(resolved.strictHostKeyChecking),
    knownHostsFiles,
    globalKnownHostsFiles,
    hashKnownHosts: resolved.hashKnownHosts ?? false,
    connectTimeoutMs,
    keepaliveIntervalMs,
    keepaliveCountMax: input.keepaliveCountMax ?? resolved.serverAliveCountMax ?? 3,
    ...(resolved.proxyCommand && resolved.proxyCommand.toLowerCase() !== "none"
      ? { unsupported: `ProxyCommand is not supported (use ProxyJump): ${resolved.proxyCommand}` }
      : {}),
  };
}

/** ssh_config's `UserKnownHostsFile none` means no file (accept-new must not create ./none). */
function isAFile(path: string): boolean {
  return path.toLowerCase() !== "none";
}

/** ssh_config's StrictHostKeyChecking in sshping's terms (ask means strict: nobody can answer). */
export function strictFromConfig(value: string | undefined): HostKeyChecking {
  switch (value) {
    case "accept-new":
      return "accept-new";
    case "no":
    case "off":
      return "off";
    default:
      return "strict";
  }
}

/** ssh_config seconds as a timer's milliseconds: a timer fires at once past 24.8 days, so cap there. */
function timerMs(seconds: number): number {
  return Math.min(seconds, maxTimerSeconds) * 1000;
}
