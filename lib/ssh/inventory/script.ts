import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import { assignVars, Inventory } from "./model.ts";
import { runScriptProcess, type ScriptLimits, type ScriptProcessResult } from "./script-process.ts";

/**
 * Ansible's executable (dynamic) inventory: the file is run as `FILE --list` and prints JSON,
 * `{"group": {"hosts": [...], "vars": {...}, "children": [...]}, "_meta": {"hostvars": {...}}}`
 * or the short `{"group": ["h1", "h2"]}`. Without `_meta.hostvars` each host's variables come
 * from `FILE --host NAME`, as Ansible asks for them.
 */

/** The limits of each run of the script (--list, and --host per host). */
export type ScriptOptions = ScriptLimits;

/** Long enough for a cloud API listing thousands of instances, short enough not to hang cron. */
export const defaultScriptTimeoutMs = 60_000;

/** Far above the JSON of tens of thousands of hosts with all their cloud facts. */
export const defaultScriptMaxOutputBytes = 512 * 1024 ** 2;

/** Ansible runs an inventory file when it is executable (there is no such bit on Windows). */
export function isExecutableFile(file: string): boolean {
  if (process.platform === "win32") return false;
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Thrown when the file cannot be executed at all (no #! line): it is a static inventory then. */
export class NotAScriptError extends Error {}

export async function runInventoryScript(
  file: string,
  options: ScriptOptions,
  into = new Inventory(),
): Promise<Inventory> {
  const listing = await runJson(file, ["--list"], options);
  if (!isMapping(listing))
    throw new Error(`inventory script ${file} --list: expected a JSON object of groups`);
  const hosts = new Set<string>();
  for (const [name, body] of Object.entries(listing))
    if (name !== "_meta") addGroup(into, name, body, hosts, file);
  const meta = listing._meta;
  if (meta !== undefined && !isMapping(meta))
    throw new Error(`inventory script ${file} --list: _meta must be an object`);
  const hostvars = meta?.hostvars;
  if (hostvars !== undefined && !isMapping(hostvars))
    throw new Error(`inventory script ${file} --list: _meta.hostvars must be an object`);
  for (const host of hosts) {
    // Own keys only: hostvars["constructor"] is Object's constructor otherwise.
    const vars = hostvars
      ? Object.hasOwn(hostvars, host)
        ? (hostvars[host] ?? {})
        : {}
      : await hostVarsFromScript(file, host, options);
    if (!isMapping(vars))
      throw new Error(`inventory script ${file}: variables of host "${host}" must be an object`);
    into.hosts.set(host, { ...into.hosts.get(host), ...vars });
  }
  into.invalidate();
  return into;
}

/** A group in Ansible's script format; a bare list is its hosts (`{"web": ["h1", "h2"]}`). */
function addGroup(
  inventory: Inventory,
  name: string,
  raw: unknown,
  hosts: Set<string>,
  file: string,
): void {
  const where = `inventory script ${file} --list: group "${name}"`;
  // Ansible's legacy short form: a mapping without hosts/vars/children is a host of that name
  // with those variables.
  const body = !isMapping(raw)
    ? { hosts: raw }
    : ["hosts", "vars", "children"].some((key) => Object.hasOwn(raw, key))
      ? raw
      : { hosts: [name], vars: raw };
  inventory.group(name);
  if (body.hosts !== undefined && body.hosts !== null) {
    if (!Array.isArray(body.hosts) || !body.hosts.every((host) => typeof host === "string"))
      throw new Error(`${where}: hosts must be a list of host names`);
    for (const host of body.hosts) {
      hosts.add(host);
      inventory.addHost(host, name);
    }
  }
  if (body.vars !== undefined && body.vars !== null) {
    if (!isMapping(body.vars)) throw new Error(`${where}: vars must be an object`);
    assignVars(inventory.group(name).vars, body.vars);
  }
  if (body.children !== undefined && body.children !== null) {
    if (!Array.isArray(body.children) || !body.children.every((c) => typeof c === "string"))
      throw new Error(`${where}: children must be a list of group names`);
    // Every group is already under all, as in the YAML parser.
    for (const child of body.children)
      if (name !== "all") inventory.addChild(name, child);
      else inventory.group(child);
  }
}

function hostVarsFromScript(file: string, host: string, options: ScriptOptions): Promise<unknown> {
  return runJson(file, ["--host", host], options, {});
}

/** Runs the script (no shell) and parses its stdout; every failure names the script and why. */
async function runJson(
  file: string,
  args: string[],
  options: ScriptOptions,
  empty?: unknown,
): Promise<unknown> {
  const command = `inventory script ${file} ${args.join(" ")}`;
  let result: ScriptProcessResult;
  try {
    result = await runScriptProcess([resolve(file), ...args], options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOEXEC") throw new NotAScriptError(`${file} is not a program`);
    throw new Error(
      `${command}: cannot run it: ${code === "ENOENT" ? "ENOENT (is the interpreter on its #! line installed?)" : (code ?? (error as Error).message)}`,
    );
  }
  const stderr = tail(result.stderr);
  if (result.stopped === "aborted")
    throw new Error(`${command}: stopped (${stopReason(options.signal)}), killed`);
  if (result.stopped === "timeout")
    throw new Error(
      `${command}: no answer within ${options.timeoutMs / 1000}s, killed${stderr && `; stderr: ${stderr}`}`,
    );
  if (result.stopped === "output")
    throw new Error(`${command}: wrote more than ${options.maxOutputBytes} bytes, killed`);
  if (result.exitCode !== 0) {
    const how =
      result.signalCode !== null
        ? `killed by ${result.signalCode}`
        : `exited with code ${result.exitCode}`;
    throw new Error(`${command}: ${how}${stderr && `; stderr: ${stderr}`}`);
  }
  const stdout = result.stdout;
  if (empty !== undefined && stdout.trim() === "") return empty;
  try {
    return JSON.parse(stdout);
  } catch (error) {
    throw new Error(
      `${command}: output is not valid JSON: ${(error as Error).message}${stderr && `; stderr: ${stderr}`}`,
    );
  }
}

/** The abort's reason as sshping gives it (the signal's name), for the message. */
function stopReason(signal: AbortSignal | undefined): string {
  const reason = signal?.reason;
  return reason instanceof Error ? reason.message : String(reason ?? "aborted");
}

/** The end of a script's stderr, on one line: enough to see its error, not a whole traceback. */
function tail(text: string): string {
  const lines = text.trim().split("\n").slice(-5).join(" | ");
  return lines.length > 1000 ? `...${lines.slice(-1000)}` : lines;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
