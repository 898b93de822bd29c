import { expandHostRange } from "../host-range.ts";
import { splitHostPort } from "./host-port.ts";
import { Inventory, setVar, type Vars } from "./model.ts";

/**
 * Ansible's INI inventory: host lines with key=value vars, [group], [group:vars] and
 * [group:children] sections, ranges (web[01:20].example).
 */
export function parseIniInventory(
  content: string,
  file: string,
  into = new Inventory(),
): Inventory {
  let section = "ungrouped";
  let kind: "hosts" | "vars" | "children" = "hosts";
  content.split("\n").forEach((raw, index) => {
    const where = `${file}:${index + 1}`;
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) return;
    // Ansible allows a comment after a header: "[web]  # frontends".
    const header = /^\[([^\]]+)\]\s*(?:#.*)?$/.exec(line);
    if (header) {
      const [name = "", suffix] = (header[1] ?? "").split(":");
      if (!name) throw new Error(`${where}: empty group name`);
      if (suffix !== undefined && !["vars", "children"].includes(suffix))
        throw new Error(`${where}: unknown section type ":${suffix}" (use :vars or :children)`);
      section = name;
      kind = (suffix as "vars" | "children" | undefined) ?? "hosts";
      into.group(section);
      return;
    }
    if (kind === "vars") {
      const eq = line.indexOf("=");
      if (eq < 0) throw new Error(`${where}: expected key=value in [${section}:vars]`);
      setVar(
        into.group(section).vars,
        line.slice(0, eq).trim(),
        unquote(line.slice(eq + 1).trim()),
      );
      return;
    }
    if (kind === "children") {
      into.addChild(section, line.split(/\s+/)[0] ?? line);
      return;
    }
    const words = tokenize(line, where);
    const { pattern: hostPattern, port } = splitHostPort(words.shift() ?? "");
    const vars: Vars = port !== undefined ? { ansible_port: port } : {};
    for (const word of words) {
      const eq = word.indexOf("=");
      if (eq <= 0)
        throw new Error(`${where}: expected key=value after the host name, got "${word}"`);
      setVar(vars, word.slice(0, eq), unquote(word.slice(eq + 1)));
    }
    let names: string[];
    try {
      names = expandHostRange(hostPattern);
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
    for (const name of names) into.addHost(name, section, vars);
  });
  into.invalidate();
  return into;
}

/** Splits on whitespace, keeping quoted values together (key="a b"). */
function tokenize(line: string, where: string): string[] {
  const words: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (const char of line) {
    if (quote) {
      current += char;
      if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      current += char;
      continue;
    }
    if (char === "#" && current === "") break;
    if (/\s/.test(char)) {
      if (current) words.push(current);
      current = "";
      continue;
    }
    current += char;
  }
  if (quote) throw new Error(`${where}: unterminated quote`);
  if (current) words.push(current);
  return words;
}

function unquote(value: string): string {
  const match = /^(["'])(.*)\1$/.exec(value);
  return match ? (match[2] ?? "") : value;
}
