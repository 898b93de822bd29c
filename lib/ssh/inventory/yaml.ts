import { expandHostRange } from "../host-range.ts";
import { splitHostPort } from "./host-port.ts";
import { assignVars, Inventory, type Vars } from "./model.ts";

/** Ansible's YAML inventory: groups with hosts, vars and children, from the top (usually all:). */
export function parseYamlInventory(
  content: string,
  file: string,
  into = new Inventory(),
): Inventory {
  let document: unknown;
  try {
    document = Bun.YAML.parse(content);
  } catch (error) {
    throw new Error(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) return into;
  if (!isMapping(document)) throw new Error(`${file}: the top level must be a mapping of groups`);
  for (const [name, body] of Object.entries(document)) addGroup(into, name, body, file, []);
  into.invalidate();
  return into;
}

function addGroup(
  inventory: Inventory,
  name: string,
  body: unknown,
  file: string,
  path: string[],
): void {
  const where = `${file}: group ${[...path, name].join(" > ")}`;
  if (path.includes(name)) throw new Error(`${where}: group is its own ancestor`);
  const group = inventory.group(name);
  if (body === null || body === undefined) return;
  if (!isMapping(body)) throw new Error(`${where}: expected a mapping with hosts/vars/children`);
  for (const key of Object.keys(body)) {
    if (!["hosts", "vars", "children"].includes(key))
      throw new Error(`${where}: unknown key "${key}" (expected hosts, vars or children)`);
  }
  if (body.vars !== undefined && body.vars !== null) {
    if (!isMapping(body.vars)) throw new Error(`${where}: vars must be a mapping`);
    assignVars(group.vars, body.vars);
  }
  if (body.hosts !== undefined && body.hosts !== null) {
    if (!isMapping(body.hosts)) throw new Error(`${where}: hosts must be a mapping of host names`);
    for (const [pattern, vars] of Object.entries(body.hosts)) {
      if (vars !== null && vars !== undefined && !isMapping(vars))
        throw new Error(`${where}: host "${pattern}" vars must be a mapping`);
      const { pattern: hostPattern, port } = splitHostPort(pattern);
      let names: string[];
      try {
        names = expandHostRange(hostPattern);
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}`);
      }
      const hostVars = {
        ...(port !== undefined ? { ansible_port: port } : {}),
        ...((vars as Vars | null) ?? {}),
      };
      for (const host of names) inventory.addHost(host, name, hostVars);
    }
  }
  if (body.children !== undefined && body.children !== null) {
    if (!isMapping(body.children))
      throw new Error(`${where}: children must be a mapping of groups`);
    for (const [child, childBody] of Object.entries(body.children)) {
      if (name !== "all") inventory.addChild(name, child);
      addGroup(inventory, child, childBody, file, [...path, name]);
    }
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
