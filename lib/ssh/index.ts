/**
 * lib/ssh: the SSH probe engine of sshping, reusable by other tools (the exporter's SSH check).
 *
 *   const plan = planTarget(parseHostSpec("deploy@web1:22"), loadSshConfig({ home }), defaults);
 *   const result = await probeHost(plan, probeOptions({ command: "true" }), signal);
 */
import { Credentials } from "./credentials.ts";
import { KnownHostsStore } from "./known-hosts-store.ts";
import type { ProbeOptions } from "./probe.ts";

export { Credentials } from "./credentials.ts";
export type { ProbePhase, ProbeStatus } from "./failure.ts";
export { probeFleet } from "./fleet.ts";
export { inventoryTarget, loadInventory } from "./inventory/load.ts";
export { selectHosts } from "./inventory/pattern.ts";
export { JumpPool } from "./jumps.ts";
export { KnownHostsStore } from "./known-hosts-store.ts";
export { localUsername } from "./local-user.ts";
export { type ConnectionPlan, type HopPlan, type PlanDefaults, planTarget } from "./plan.ts";
export { type ProbeOptions, type ProbeResult, probeHost } from "./probe.ts";
export { loadSshConfig, parseSshConfig, SshConfig } from "./ssh-config.ts";
export { type HostTarget, parseHostList, parseHostSpec } from "./target.ts";

/**
 * Probe options with sshping's defaults: 10 s handshake, 60 s command, 256 KiB output per
 * stream, one retry after connection errors. Share the returned object between probes so
 * known_hosts and keys are read once.
 */
export function probeOptions(overrides: Partial<ProbeOptions> = {}): ProbeOptions {
  return {
    knownHosts: new KnownHostsStore(),
    credentials: new Credentials({ passphraseVariable: "SSHPING_KEY_PASSPHRASE" }),
    handshakeTimeoutMs: 10_000,
    commandTimeoutMs: 60_000,
    maxOutputBytes: 256 * 1024,
    retries: 1,
    retryBackoffMs: 500,
    ...overrides,
  };
}
