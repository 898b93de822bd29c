/**
 * ssh: reachability, host key (verified against known_hosts), authentication and optionally a
 * command, through lib/ssh's probeHost (the engine of sshping). Never writes known_hosts.
 */
import { parseHostSpec } from "../../ssh/target.ts";
import { onlyKeys, optNumber, optSize, optString, stringList } from "../fields.ts";
import type { CheckKind } from "../types.ts";

export interface SshSettings {
  user: string | undefined;
  identityFiles: string[];
  knownHostsFiles: string[];
  hostKeyChecking: "strict" | "off";
  sshConfigFile: string;
  command: string | undefined;
  maxOutputBytes: number;
  port: number | undefined;
}

export const sshCheck: CheckKind<SshSettings> = {
  kind: "ssh",
  description: "SSH to [user@]host[:port]: host key against known_hosts, auth, optional command",
  parse(raw, where) {
    onlyKeys(
      raw,
      [
        "user",
        "port",
        "identity_file",
        "known_hosts_file",
        "host_key_checking",
        "ssh_config_file",
        "command",
        "max_output_bytes",
      ],
      where,
    );
    const checking = optString(raw, "host_key_checking", where) ?? "strict";
    if (checking !== "strict" && checking !== "off")
      throw new Error(
        `${where}.host_key_checking: "${checking}" is not strict or off (a daemon never accepts new keys)`,
      );
    return {
      user: optString(raw, "user", where),
      identityFiles: stringList(raw, "identity_file", where),
      knownHostsFiles: stringList(raw, "known_hosts_file", where),
      hostKeyChecking: checking,
      sshConfigFile: optString(raw, "ssh_config_file", where) ?? "none",
      command: optString(raw, "command", where),
      maxOutputBytes: optSize(raw, "max_output_bytes", where) ?? 64 * 1024,
      port: optNumber(raw, "port", where),
    };
  },
  validateTarget(target) {
    try {
      parseHostSpec(target);
    } catch (error) {
      return (error as Error).message;
    }
    return undefined;
  },
  metrics: {
    ssh_connect_duration_seconds: { help: "Seconds to open the TCP connection.", type: "gauge" },
    ssh_login_duration_seconds: {
      help: "Seconds from connect to authenticated (TCP, handshake, host key, auth).",
      type: "gauge",
    },
    ssh_command_exit_code: { help: "Exit code of the command (-1 if killed).", type: "gauge" },
    ssh_status_info: {
      help: "Outcome (label status: ok, failed, unreachable, auth_failed, hostkey_mismatch, hostkey_unknown), value 1.",
      type: "gauge",
    },
  },
  async run({ target, settings, result, signal, timeout }) {
    const { sshProbe } = await import("./ssh-probe.ts");
    const probe = await sshProbe(target, settings, signal, timeout);
    if (signal.aborted) throw signal.reason;
    if (probe.connectMs !== undefined)
      result.set("ssh_connect_duration_seconds", probe.connectMs / 1000);
    if (probe.latencyMs !== undefined)
      result.set("ssh_login_duration_seconds", probe.latencyMs / 1000);
    if (probe.exitCode !== undefined) result.set("ssh_command_exit_code", probe.exitCode ?? -1);
    result.set("ssh_status_info", 1, { status: probe.status });
    if (probe.status !== "ok")
      return result.fail(`${probe.phase ?? "ssh"}: ${probe.error ?? probe.status}`);
    return true;
  },
};
