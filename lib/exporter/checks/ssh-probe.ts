/**
 * The heavy half of the ssh check (lib/ssh and ssh2), loaded on the first ssh run only: an
 * exporter without ssh checks never pays ssh2's memory.
 */
import { homedir } from "node:os";
import { Credentials } from "../../ssh/credentials.ts";
import { KnownHostsStore } from "../../ssh/known-hosts-store.ts";
import { localUsername } from "../../ssh/local-user.ts";
import { planTarget } from "../../ssh/plan.ts";
import { type ProbeResult, probeHost } from "../../ssh/probe.ts";
import { loadSshConfig } from "../../ssh/ssh-config.ts";
import { parseHostSpec } from "../../ssh/target.ts";
import type { SshSettings } from "./ssh.ts";

/** Passphrase of encrypted identity files, from the environment only. */
const passphraseVariable = "OPSCTL_EXPORTER_SSH_PASSPHRASE";

export function sshProbe(
  target: string,
  settings: SshSettings,
  signal: AbortSignal,
  timeout: number,
): Promise<ProbeResult> {
  const home = process.env.HOME || homedir();
  const timeoutMs = Math.max(100, Math.round(timeout * 1000));
  const plan = planTarget(
    parseHostSpec(target),
    loadSshConfig({ home, file: settings.sshConfigFile }),
    {
      home,
      localUser: localUsername(),
      ...(settings.user ? { user: settings.user } : {}),
      ...(settings.port ? { port: settings.port } : {}),
      identityFiles: settings.identityFiles,
      connectTimeoutMs: timeoutMs,
      defaultConnectTimeoutMs: timeoutMs,
      hostKeyChecking: settings.hostKeyChecking,
      ...(settings.knownHostsFiles.length > 0 ? { knownHostsFiles: settings.knownHostsFiles } : {}),
      defaultKeepaliveIntervalMs: 0,
    },
  );
  return probeHost(
    plan,
    {
      knownHosts: new KnownHostsStore(),
      credentials: new Credentials({
        passphraseVariable,
        ...(process.env[passphraseVariable] ? { passphrase: process.env[passphraseVariable] } : {}),
      }),
      handshakeTimeoutMs: timeoutMs,
      ...(settings.command !== undefined ? { command: settings.command } : {}),
      commandTimeoutMs: timeoutMs,
      maxOutputBytes: settings.maxOutputBytes,
      retries: 0,
      retryBackoffMs: 0,
    },
    signal,
  );
}
