/** sshping's flags: data only, so `sshping --version` and `--help` load no SSH engine. */
import type { OptionValues } from "../../cli/types.ts";

export const sshpingOptions = {
  inventory: {
    type: "list",
    short: "i",
    description: "Ansible inventory (INI, YAML, directory or executable script; repeatable)",
    valueHint: "FILE",
  },
  limit: {
    type: "string",
    short: "l",
    description: "Further limit hosts: a pattern, or @FILE (e.g. a --retry-file)",
    valueHint: "PATTERN",
  },
  hostsFile: {
    type: "list",
    description: "File with one [user@]host[:port] per line (repeatable, - for stdin)",
    valueHint: "FILE",
  },
  run: {
    type: "string",
    short: "c",
    description: "Run this command on every host and collect stdout/stderr/exit code",
    valueHint: "CMD",
  },
  group: {
    type: "boolean",
    short: "g",
    description: "Print hosts with identical output together (dshbak -c style)",
  },
  forks: {
    type: "integer",
    short: "f",
    default: 100,
    min: 1,
    description: "Hosts in flight at once",
    valueHint: "N",
  },
  user: {
    type: "string",
    short: "u",
    description: "Login user when the host or inventory gives none (before ssh_config User)",
    valueHint: "USER",
  },
  port: {
    type: "integer",
    short: "p",
    description: "Port when the host or inventory gives none (before ssh_config Port)",
    valueHint: "PORT",
  },
  privateKey: {
    type: "list",
    short: "k",
    description: "Identity file to try (repeatable; added to ssh_config's IdentityFile)",
    valueHint: "FILE",
  },
  sshConfig: {
    type: "string",
    short: "F",
    description: "ssh_config file to use instead of ~/.ssh/config and /etc/ssh/ssh_config",
    valueHint: "FILE",
  },
  jump: {
    type: "string",
    short: "J",
    description:
      "ProxyJump hosts for every target ([user@]host[:port][,...]; overrides ssh_config)",
    valueHint: "HOSTS",
  },
  hostKeyChecking: {
    type: "enum",
    valueHint: "MODE",
    choices: ["strict", "accept-new", "off"],
    description: "Host key policy (default: ssh_config StrictHostKeyChecking, else strict)",
  },
  knownHosts: {
    type: "list",
    description: "known_hosts file(s) to use instead of ssh_config's UserKnownHostsFile",
    valueHint: "FILE",
  },
  connectTimeout: {
    type: "duration",
    valueHint: "DURATION",
    min: 0,
    minExclusive: true,
    timer: true,
    description: "TCP connect timeout (default: ssh_config ConnectTimeout, else 5s)",
  },
  handshakeTimeout: {
    type: "duration",
    valueHint: "DURATION",
    min: 0,
    minExclusive: true,
    timer: true,
    default: 10,
    description: "Deadline for the SSH banner, key exchange and login",
  },
  timeout: {
    type: "duration",
    valueHint: "DURATION",
    min: 0,
    minExclusive: true,
    timer: true,
    default: 60,
    description: "Deadline for the command (--run)",
  },
  retries: {
    type: "integer",
    default: 1,
    min: 0,
    description:
      "Retries after connection errors only (never after auth, host key or command failures)",
    valueHint: "N",
  },
  retryBackoff: {
    type: "duration",
    valueHint: "DURATION",
    min: 0,
    timer: true,
    default: 0.5,
    description: "First retry delay, doubled each attempt",
  },
  keepalive: {
    type: "duration",
    valueHint: "DURATION",
    min: 0,
    timer: true,
    description: "Keepalive interval, 0 = off (default: ssh_config ServerAliveInterval, else 15s)",
  },
  maxOutput: {
    type: "size",
    valueHint: "SIZE",
    default: "256K",
    description: "Keep at most this much stdout and stderr per host",
  },
  passphraseEnv: {
    type: "string",
    default: "SSHPING_KEY_PASSPHRASE",
    description: "Environment variable holding the passphrase of encrypted key files",
    valueHint: "VAR",
  },
  retryFile: {
    type: "string",
    description:
      "Write the hosts that did not succeed here, one per line, re-usable as @FILE or --limit @FILE",
    valueHint: "FILE",
  },
  listHosts: {
    type: "boolean",
    description: "Print the hosts and how they would be reached, then exit (no connection)",
  },
  dryRun: {
    type: "boolean",
    short: "n",
    description: "Print what would run where (host, login, route, command), connect to nothing",
  },
} as const;

/** The flags' values as run() gets them (layered: flag > env > config file > default). */
export type SshpingValues = OptionValues<typeof sshpingOptions>;
