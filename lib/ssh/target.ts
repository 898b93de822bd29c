import { expandHostRange } from "./host-range.ts";

/**
 * ssh options an inventory's ssh arguments (ansible_ssh_common_args, ansible_ssh_extra_args) set
 * for one host: they beat the flags and ssh_config, for this host only, not its jump hosts (as
 * with ssh -o).
 */
export interface TargetSshOptions {
  /** -J or -o ProxyJump. */
  jump?: string;
  /** Seconds, as ssh_config's ConnectTimeout. */
  connectTimeout?: number;
  /** As ssh_config writes it (yes, no, ask, accept-new, off). */
  strictHostKeyChecking?: string;
  knownHostsFiles?: string[];
  /** Seconds (0 is off), as ssh_config's ServerAliveInterval. */
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  identitiesOnly?: boolean;
}

/** One host to probe, as the user named it, before ~/.ssh/config is applied. */
export interface HostTarget extends TargetSshOptions {
  /** What the user sees in reports: the inventory name or the host as typed. */
  name: string;
  /** Host name handed to ssh-config matching and then connected to (ansible_host or the name). */
  host: string;
  port?: number;
  user?: string;
  /** ansible_ssh_private_key_file and friends. */
  identityFile?: string;
  /** IdentityFile from the inventory's ssh arguments (TargetSshOptions), tried after identityFile. */
  identityFiles?: string[];
  /** Set when the inventory asks for something sshping cannot do: the probe fails with it. */
  unsupported?: string;
  /** Re-usable input form, written to --retry-file (name for inventory hosts, spec otherwise). */
  spec: string;
}

/** Parses "[user@]host[:port]" (IPv6 as [::1]:22), without range expansion. */
export function parseHostSpec(text: string): HostTarget {
  const spec = text.trim();
  if (!spec) throw new Error("empty host");
  let rest = spec;
  let user: string | undefined;
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!user) throw new Error(`host "${spec}": empty user before @`);
  }
  let host = rest;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1] ?? "";
    if (v6[2]) port = parsePort(v6[2], spec);
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon >= 0 && rest.indexOf(":") === colon) {
      host = rest.slice(0, colon);
      port = parsePort(rest.slice(colon + 1), spec);
    }
  }
  if (!host || /\s/.test(host)) throw new Error(`host "${spec}": not a host name`);
  return {
    name: spec,
    host,
    ...(port !== undefined ? { port } : {}),
    ...(user ? { user } : {}),
    spec,
  };
}

function parsePort(text: string, spec: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535)
    throw new Error(`host "${spec}": port "${text}" is not 1-65535`);
  return port;
}

/** Expands ranges (web[01-20].example) then parses each host spec. */
export function parseHostList(text: string): HostTarget[] {
  const at = text.lastIndexOf("@");
  const userPart = at >= 0 ? text.slice(0, at + 1) : "";
  const hostPart = at >= 0 ? text.slice(at + 1) : text;
  // [::1] and [::1]:22 are addresses, not ranges.
  if (/^\[[0-9a-f:.]*:[0-9a-f:.]*\](:\d+)?$/i.test(hostPart)) return [parseHostSpec(text)];
  return expandHostRange(hostPart).map((host) => parseHostSpec(userPart + host));
}

/**
 * Reads a hosts file: one host spec per line (ranges allowed), # comments, blank lines
 * ignored; several hosts per line separated by spaces or commas also work (pssh -h style).
 */
export function parseHostsFile(content: string, file: string): HostTarget[] {
  const targets: HostTarget[] = [];
  content.split("\n").forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) return;
    for (const word of splitHostWords(line)) {
      try {
        targets.push(...parseHostList(word));
      } catch (error) {
        throw new Error(`${file}:${index + 1}: ${(error as Error).message}`);
      }
    }
  });
  return targets;
}

/** Splits on whitespace and on commas outside brackets (web[1,3],db1 -> two words). */
export function splitHostWords(line: string): string[] {
  const words: string[] = [];
  let current = "";
  let depth = 0;
  for (const char of line) {
    if (char === "[") depth++;
    if (char === "]") depth = Math.max(0, depth - 1);
    if ((char === "," && depth === 0) || /\s/.test(char)) {
      if (current) words.push(current);
      current = "";
      continue;
    }
    current += char;
  }
  if (current) words.push(current);
  return words;
}
