import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { HostTarget } from "../target.ts";
import { parseIniInventory } from "./ini.ts";
import { assignVars, Inventory, ownVar, type Vars } from "./model.ts";
import {
  defaultScriptMaxOutputBytes,
  defaultScriptTimeoutMs,
  isExecutableFile,
  NotAScriptError,
  runInventoryScript,
  type ScriptOptions,
} from "./script.ts";
import { hostSshArgs, sshArgsVariables } from "./ssh-args.ts";
import { parseYamlInventory } from "./yaml.ts";

/**
 * Loads inventories the way `ansible -i` does: executable files are run (dynamic inventories),
 * others are INI or YAML (by content), a directory of them, plus group_vars/ and host_vars/
 * beside each.
 */
export async function loadInventory(
  paths: readonly string[],
  options: Partial<ScriptOptions> = {},
): Promise<Inventory> {
  const inventory = new Inventory();
  const script: ScriptOptions = {
    timeoutMs: options.timeoutMs ?? defaultScriptTimeoutMs,
    maxOutputBytes: options.maxOutputBytes ?? defaultScriptMaxOutputBytes,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  for (const path of paths) {
    if (!existsSync(path)) throw new Error(`inventory ${path}: no such file or directory`);
    const files = statSync(path).isDirectory() ? inventoryFilesIn(path) : [path];
    for (const file of files) await parseInventoryFile(file, inventory, script);
    loadVarsDirs(statSync(path).isDirectory() ? path : dirname(path), inventory);
  }
  return inventory;
}

function inventoryFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith(".") && !/\.(retry|pyc|cfg|md|txt)$|~$/.test(name))
    .filter((name) => !["group_vars", "host_vars"].includes(name))
    .map((name) => join(dir, name))
    .filter((file) => statSync(file).isFile())
    .sort();
}

async function parseInventoryFile(
  file: string,
  inventory: Inventory,
  script: ScriptOptions,
): Promise<void> {
  if (isExecutableFile(file)) {
    try {
      await runInventoryScript(file, script, inventory);
      return;
    } catch (error) {
      // An executable INI file without a #! line: Ansible too falls back to reading it.
      if (!(error instanceof NotAScriptError)) throw error;
    }
  }
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(
      `inventory ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  if (/\.(ya?ml|json)$/i.test(file) || looksLikeYaml(content))
    parseYamlInventory(content, file, inventory);
  else parseIniInventory(content, file, inventory);
}

/** YAML inventories start with a mapping key ("all:"); INI ones with hosts or [sections]. */
function looksLikeYaml(content: string): boolean {
  for (const raw of content.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line === "---") continue;
    return /^[\w.-]+:\s*(#.*)?$/.test(line) || line.startsWith("{");
  }
  return false;
}

function loadVarsDirs(base: string, inventory: Inventory): void {
  for (const [dirName, apply] of [
    ["group_vars", (name: string, vars: Vars) => assignVars(inventory.group(name).vars, vars)],
    [
      "host_vars",
      (name: string, vars: Vars) => {
        if (inventory.hosts.has(name))
          inventory.hosts.set(name, { ...inventory.hosts.get(name), ...vars });
      },
    ],
  ] as const) {
    const dir = join(base, dirName);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      const name = basename(entry).replace(/\.(ya?ml|json)$/i, "");
      const files = statSync(path).isDirectory()
        ? readdirSync(path)
            .filter((f) => /\.(ya?ml|json)$/i.test(f))
            .sort()
            .map((f) => join(path, f))
        : /\.(ya?ml|json)$|^[^.]+$/i.test(entry)
          ? [path]
          : [];
      for (const file of files) {
        let vars: unknown;
        try {
          vars = Bun.YAML.parse(readFileSync(file, "utf8"));
        } catch (error) {
          throw new Error(`${file}: not valid YAML: ${(error as Error).message}`);
        }
        if (vars && typeof vars === "object" && !Array.isArray(vars)) apply(name, vars as Vars);
      }
    }
  }
}

/** Turns an inventory host into a target with Ansible's connection variables. */
export function inventoryTarget(inventory: Inventory, name: string): HostTarget {
  const vars = inventory.varsOf(name);
  const text = (key: string): string | undefined => {
    const value = ownVar(vars, key);
    return value === undefined || value === null || value === "" ? undefined : String(value);
  };
  const host = text("ansible_host") ?? text("ansible_ssh_host") ?? name;
  const portText = text("ansible_port") ?? text("ansible_ssh_port");
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`inventory host ${name}: ansible_port "${portText}" is not 1-65535`);
  }
  const user = text("ansible_user") ?? text("ansible_ssh_user");
  const identityFile = text("ansible_ssh_private_key_file") ?? text("ansible_private_key_file");
  for (const [key, value] of [
    ["ansible_host", host],
    ["ansible_user", user],
    ...sshArgsVariables.map((variable) => [variable, text(variable)] as const),
  ] as const)
    if (value?.includes("{{"))
      throw new Error(
        `inventory host ${name}: ${key} "${value}" uses Jinja templating, which sshping does not evaluate`,
      );
  const {
    port: argsPort,
    user: argsUser,
    identityFiles,
    unsupported, // named by refusal
    refusal,
    ...sshOptions
  } = hostSshArgs(name, text);
  return {
    name,
    host,
    spec: name,
    // Ansible puts -o Port= and -o User= before these arguments, and ssh keeps the first value.
    ...(port !== undefined || argsPort !== undefined ? { port: port ?? argsPort } : {}),
    ...(user || argsUser ? { user: user || argsUser } : {}),
    ...(identityFile ? { identityFile } : {}),
    ...(identityFiles.length > 0 ? { identityFiles } : {}),
    // Only the options the arguments set: the others are absent, not undefined.
    ...sshOptions,
    ...(refusal ? { unsupported: refusal } : {}),
  };
}
