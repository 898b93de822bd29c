import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { parseDuration } from "../cli/values.ts";

/**
 * OpenSSH client configuration (ssh_config(5)): Host blocks with patterns, first value wins,
 * IdentityFile accumulates, Include of globs. Match blocks are skipped (only `Match all` applies).
 */

export interface SshConfigBlock {
  patterns: string[];
  /** Patterns of the blocks an Include sits in: the host must match each of them too. */
  within?: string[][];
  /** Lowercased keyword -> argument lists, in file order. */
  options: [string, string[]][];
  /** Where the block starts, for messages. */
  origin: string;
}

export interface ResolvedSshConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  identitiesOnly?: boolean;
  identityAgent?: string;
  proxyJump?: string;
  proxyCommand?: string;
  connectTimeout?: number;
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  strictHostKeyChecking?: string;
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  hashKnownHosts?: boolean;
  hostKeyAlias?: string;
}

export class SshConfig {
  constructor(readonly blocks: SshConfigBlock[] = []) {}

  /** Applies every matching block to `host` (the name as typed), OpenSSH's first-wins rule. */
  resolve(host: string): ResolvedSshConfig {
    const seen = new Map<string, string[]>();
    const identityFiles: string[] = [];
    for (const block of this.blocks) {
      if (!matchesHost(block.patterns, host)) continue;
      if (block.within?.some((patterns) => !matchesHost(patterns, host))) continue;
      for (const [key, args] of block.options) {
        if (key === "identityfile") identityFiles.push(args.join(" "));
        else if (!seen.has(key)) seen.set(key, args);
      }
    }
    const one = (key: string) => seen.get(key)?.join(" ");
    // Decimal digits, as ssh reads them (Number() took 0x16 and 1e3).
    const number = (key: string): number | undefined => {
      const value = one(key);
      if (value === undefined) return undefined;
      if (!/^\d+$/.test(value))
        throw new Error(`ssh config for ${host}: ${key} "${value}" is not a number`);
      return Number(value);
    };
    const port = (): number | undefined => {
      const value = one("port");
      if (value === undefined) return undefined;
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535)
        throw new Error(`ssh config for ${host}: port "${value}" is not a port (1-65535)`);
      return Number(value);
    };
    const time = (key: string): number | undefined => {
      const value = one(key);
      if (value === undefined) return undefined;
      const parsed = sshTime(value);
      if (parsed === undefined)
        throw new Error(
          `ssh config for ${host}: ${key} "${value}" is not a time (seconds, or 30s, 1m)`,
        );
      return parsed;
    };
    const yes = (key: string) => {
      const value = one(key)?.toLowerCase();
      return value === undefined ? undefined : value === "yes" || value === "true";
    };
    const result: ResolvedSshConfig = { identityFiles };
    const set = <K extends keyof ResolvedSshConfig>(
      key: K,
      value: ResolvedSshConfig[K] | undefined,
    ) => {
      if (value !== undefined) result[key] = value;
    };
    set("hostName", one("hostname"));
    set("user", one("user"));
    set("port", port());
    set("identitiesOnly", yes("identitiesonly"));
    set("identityAgent", one("identityagent"));
    set("proxyJump", one("proxyjump"));
    set("proxyCommand", one("proxycommand"));
    set("connectTimeout", time("connecttimeout"));
    set("serverAliveInterval", time("serveraliveinterval"));
    set("serverAliveCountMax", number("serveralivecountmax"));
    set("strictHostKeyChecking", one("stricthostkeychecking")?.toLowerCase());
    set("userKnownHostsFiles", seen.get("userknownhostsfile"));
    set("globalKnownHostsFiles", seen.get("globalknownhostsfile"));
    set("hashKnownHosts", yes("hashknownhosts"));
    set("hostKeyAlias", one("hostkeyalias"));
    return result;
  }
}

/** A time as ssh's convtime reads it: 30, 30s, 1m30s (units in any case); undefined if not one. */
export function sshTime(value: string): number | undefined {
  if (!/^\d[\dsmhdw]*$/i.test(value)) return undefined;
  try {
    return parseDuration(value.toLowerCase());
  } catch {
    return undefined;
  }
}

/** OpenSSH's Host matching: any positive pattern matches and no negated one does. */
export function matchesHost(patterns: readonly string[], host: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith("!");
    const body = negated ? pattern.slice(1) : pattern;
    if (wildcardMatch(body.toLowerCase(), host.toLowerCase())) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** `*` and `?` wildcards over the whole string (no character classes, like OpenSSH). */
export function wildcardMatch(pattern: string, text: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "s",
  );
  return regex.test(text);
}

export interface LoadSshConfigOptions {
  /** -F FILE: only this file, no system config (as ssh -F). */
  file?: string;
  home: string;
  /** /etc/ssh/ssh_config unless -F was given. */
  systemFile?: string;
}

/** The user's ~/.ssh/config then /etc/ssh/ssh_config, or only -F FILE. */
export function loadSshConfig(options: LoadSshConfigOptions): SshConfig {
  const blocks: SshConfigBlock[] = [];
  if (options.file) {
    if (options.file !== "none") {
      if (!existsSync(options.file)) throw new Error(`ssh config ${options.file}: no such file`);
      parseInto(options.file, options.home, join(options.home, ".ssh"), blocks, 0);
    }
    return new SshConfig(blocks);
  }
  const user = join(options.home, ".ssh", "config");
  if (existsSync(user)) parseInto(user, options.home, join(options.home, ".ssh"), blocks, 0);
  const system = options.systemFile ?? "/etc/ssh/ssh_config";
  if (existsSync(system)) parseInto(system, options.home, dirname(system), blocks, 0);
  return new SshConfig(blocks);
}

/** Parses config text (for tests and -F). */
export function parseSshConfig(content: string, origin: string, home: string): SshConfig {
  const blocks: SshConfigBlock[] = [];
  parseText(content, origin, home, join(home, ".ssh"), blocks, 0);
  return new SshConfig(blocks);
}

function parseInto(
  file: string,
  home: string,
  includeBase: string,
  blocks: SshConfigBlock[],
  depth: number,
  within: string[][] = [],
): void {
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(
      `ssh config ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  parseText(content, file, home, includeBase, blocks, depth, within);
}

function parseText(
  content: string,
  file: string,
  home: string,
  includeBase: string,
  blocks: SshConfigBlock[],
  depth: number,
  within: string[][] = [],
): void {
  if (depth > 16) throw new Error(`ssh config ${file}: Include nested too deeply`);
  // Lines before the first Host apply to every host (of the including block, for an Include:
  // as in ssh, a Host or Match block with an Include applies what it includes to its hosts only).
  const scoped = within.length > 0 ? { within } : {};
  let current: SshConfigBlock = { patterns: ["*"], ...scoped, options: [], origin: `${file}:1` };
  blocks.push(current);
  content.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const match = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!match) throw new Error(`${file}:${index + 1}: expected "Keyword value"`);
    const key = (match[1] ?? "").toLowerCase();
    const args = splitArgs(match[2] ?? "", `${file}:${index + 1}`);
    if (key === "host") {
      current = { patterns: args, ...scoped, options: [], origin: `${file}:${index + 1}` };
      blocks.push(current);
    } else if (key === "match") {
      const all = args.length === 1 && args[0]?.toLowerCase() === "all";
      current = {
        patterns: all ? ["*"] : [],
        ...scoped,
        options: [],
        origin: `${file}:${index + 1}`,
      };
      blocks.push(current);
    } else if (key === "include") {
      for (const pattern of args) {
        const expanded = pattern.startsWith("~") ? home + pattern.slice(1) : pattern;
        const absolute = isAbsolute(expanded) ? expanded : join(includeBase, expanded);
        const files = [
          ...new Bun.Glob(absolute.slice(1)).scanSync({ cwd: "/", absolute: true }),
        ].sort();
        for (const included of files)
          parseInto(included, home, includeBase, blocks, depth + 1, [...within, current.patterns]);
      }
      const resumed: SshConfigBlock = {
        patterns: current.patterns,
        ...scoped,
        options: [],
        origin: current.origin,
      };
      blocks.push(resumed);
      current = resumed;
    } else {
      current.options.push([key, args]);
    }
  });
}

/** Splits arguments on whitespace, honouring double quotes; a word starting with # ends the line. */
function splitArgs(text: string, where: string): string[] {
  const args: string[] = [];
  const regex = /"([^"]*)"|(\S+)/g;
  let end = text.length;
  let match: RegExpExecArray | null = regex.exec(text);
  while (match) {
    // A trailing comment (Port 2222 # custom), as OpenSSH 8.7+ reads it.
    if (match[2]?.startsWith("#")) {
      end = match.index;
      break;
    }
    args.push(match[1] ?? match[2] ?? "");
    match = regex.exec(text);
  }
  if ((text.slice(0, end).match(/"/g)?.length ?? 0) % 2 === 1)
    throw new Error(`${where}: unterminated quote`);
  return args;
}

export interface TokenValues {
  host: string;
  originalHost: string;
  port: number;
  remoteUser: string;
  localUser: string;
  home: string;
}

/** OpenSSH's %-tokens and ~ in paths (IdentityFile, UserKnownHostsFile, HostName). */
export function expandTokens(text: string, values: TokenValues): string {
  const expanded = text.replace(/%(.)/g, (whole, token: string) => {
    switch (token) {
      case "h":
        return values.host;
      case "n":
        return values.originalHost;
      case "p":
        return String(values.port);
      case "r":
        return values.remoteUser;
      case "u":
        return values.localUser;
      case "d":
        return values.home;
      case "%":
        return "%";
      default:
        return whole;
    }
  });
  if (expanded === "~") return values.home;
  return expanded.startsWith("~/") ? join(values.home, expanded.slice(2)) : expanded;
}
