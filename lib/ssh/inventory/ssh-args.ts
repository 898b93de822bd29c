import { sshTime } from "../ssh-config.ts";
import type { TargetSshOptions } from "../target.ts";

/**
 * Ansible's ansible_ssh_common_args / ansible_ssh_extra_args: ssh command-line arguments. sshping
 * honours those it has a setting for (a bastion is the usual reason for them) and lists the
 * others, so that a host is never probed in a way its inventory did not mean.
 */

export interface SshArgs extends TargetSshOptions {
  port?: number;
  user?: string;
  identityFiles: string[];
  /** Arguments sshping cannot honour, as given. */
  unsupported: string[];
}

/** The -o options sshping honours, by ssh_config's (case-insensitive) keyword. */
const honoured = ["ProxyJump", "Port", "User", "IdentityFile", "ConnectTimeout"]
  .concat(["StrictHostKeyChecking", "UserKnownHostsFile"])
  .concat(["ServerAliveInterval", "ServerAliveCountMax", "IdentitiesOnly"])
  .map((name) => name.toLowerCase());

/** Options that change nothing for a probe: connection sharing, compression, log level. */
const harmlessOptions = new Set([
  "controlmaster",
  "controlpersist",
  "controlpath",
  "compression",
  "loglevel",
]);
const harmlessFlags = /^-[Cqv]+$/;

/** ssh's flags that take a value (the next word, or the rest of this one). */
const flagsWithValue = "BbcDEeFIiJLlmOopQRSWw".split("");

/** Flags that are short for an -o option sshping honours. */
const flagOptions: Record<string, string> = {
  J: "ProxyJump",
  p: "Port",
  l: "User",
  i: "IdentityFile",
};

const honouredList =
  "-J, -p, -l, -i and -o ProxyJump, Port, User, IdentityFile, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, ServerAliveInterval, ServerAliveCountMax, IdentitiesOnly";

/** Ansible's variables of ssh arguments, in the order it puts them on ssh's command line. */
export const sshArgsVariables = ["ansible_ssh_common_args", "ansible_ssh_extra_args"] as const;

/**
 * A host's ssh arguments from both variables, and, when some cannot be honoured, the refusal
 * naming the host, the variable and the arguments. Malformed arguments throw.
 */
export function hostSshArgs(
  host: string,
  variable: (name: string) => string | undefined,
): SshArgs & { refusal?: string } {
  const args: SshArgs & { refusal?: string } = { identityFiles: [], unsupported: [] };
  for (const name of sshArgsVariables) {
    const value = variable(name);
    if (value === undefined) continue;
    const before = args.unsupported.length;
    try {
      parseSshArgs(value, args);
    } catch (error) {
      throw new Error(`inventory host ${host}: ${name}: ${(error as Error).message}`);
    }
    const refused = args.unsupported.slice(before);
    if (refused.length > 0)
      args.refusal ??= `inventory host ${host}: ${name}: ${refused.join(" ")} is not supported by sshping (it honours ${honouredList})`;
  }
  return args;
}

/** Parses ssh arguments (into earlier ones, if given); the first value wins, as with ssh. */
export function parseSshArgs(
  text: string,
  result: SshArgs = { identityFiles: [], unsupported: [] },
): SshArgs {
  const words = splitShellWords(text);
  for (let index = 0; index < words.length; index++) {
    const word = words[index] ?? "";
    if (harmlessFlags.test(word)) continue;
    const flag = /^-([A-Za-z])(.*)$/s.exec(word);
    const letter = flag?.[1] ?? "";
    if (!flag || !flagsWithValue.includes(letter)) {
      result.unsupported.push(word);
      continue;
    }
    let value = flag[2] ?? "";
    if (!value) {
      index++;
      value = words[index] ?? "";
      if (!value) throw new Error(`-${letter} needs a value`);
    }
    const keyword = flagOptions[letter];
    if (letter === "o") applyOption(result, value);
    else if (keyword) apply(result, keyword.toLowerCase(), value, `-${letter} ${value}`);
    else result.unsupported.push(`-${letter} ${value}`);
  }
  return result;
}

/** One -o option: "Keyword=value" or "Keyword value", keywords in any case. */
function applyOption(result: SshArgs, text: string): void {
  // Keywords may hold digits (ForwardX11).
  const parsed = /^([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(.*)$/s.exec(text);
  if (!parsed) throw new Error(`-o ${text}: expected Keyword=value`);
  const [, name = "", value = ""] = parsed;
  const key = name.toLowerCase();
  const shown = `-o ${name}=${value}`;
  if (harmlessOptions.has(key)) return;
  // ProxyCommand=none is no proxy; it takes ProxyJump's place too (ssh keeps the first of them).
  if (key === "proxycommand" && value.toLowerCase() === "none") {
    result.jump ??= "none";
    return;
  }
  if (honoured.includes(key)) apply(result, key, value, shown);
  else result.unsupported.push(shown);
}

function apply(result: SshArgs, key: string, value: string, shown: string): void {
  switch (key) {
    case "proxyjump":
      result.jump ??= value;
      return;
    case "port": {
      const port = Number(value);
      if (!/^\d+$/.test(value) || port < 1 || port > 65535)
        throw new Error(`${shown}: "${value}" is not a port (1-65535)`);
      result.port ??= port;
      return;
    }
    case "user":
      result.user ??= value;
      return;
    case "identityfile":
      result.identityFiles.push(value);
      return;
    case "connecttimeout": {
      const seconds = sshTime(value);
      if (seconds === undefined)
        throw new Error(`${shown}: "${value}" is not a time (seconds, or 30s, 1m)`);
      result.connectTimeout ??= seconds;
      return;
    }
    case "stricthostkeychecking": {
      // ssh also takes true and false for yes and no.
      const lower = value.toLowerCase();
      const mode = lower === "true" ? "yes" : lower === "false" ? "no" : lower;
      if (!["yes", "no", "ask", "accept-new", "off"].includes(mode))
        throw new Error(`${shown}: "${value}" is not yes, no, ask, accept-new or off`);
      result.strictHostKeyChecking ??= mode;
      return;
    }
    case "userknownhostsfile":
      result.knownHostsFiles ??= value.split(/\s+/).filter(Boolean);
      return;
    case "serveraliveinterval": {
      const seconds = sshTime(value);
      if (seconds === undefined)
        throw new Error(`${shown}: "${value}" is not a time (seconds, or 30s, 1m)`);
      result.serverAliveInterval ??= seconds;
      return;
    }
    case "serveralivecountmax":
      if (!/^\d+$/.test(value)) throw new Error(`${shown}: "${value}" is not a count (0 or more)`);
      result.serverAliveCountMax ??= Number(value);
      return;
    case "identitiesonly": {
      // ssh's yes/no flag, true and false included.
      const lower = value.toLowerCase();
      if (!["yes", "no", "true", "false"].includes(lower))
        throw new Error(`${shown}: "${value}" is not yes or no`);
      result.identitiesOnly ??= lower === "yes" || lower === "true";
      return;
    }
  }
}

/** Splits like a POSIX shell (and Python's shlex, which Ansible uses): quotes and backslashes. */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] ?? "";
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else current += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === "\\" && /["\\$`]/.test(text[index + 1] ?? "")) current += text[++index];
      else current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === "\\") {
      current += text[++index] ?? "";
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new Error("unterminated quote");
  if (inWord) words.push(current);
  return words;
}
