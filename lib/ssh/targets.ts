import { readFileSync } from "node:fs";
import { inventoryTarget, loadInventory } from "./inventory/load.ts";
import { Inventory } from "./inventory/model.ts";
import { selectHosts } from "./inventory/pattern.ts";
import { type HostTarget, parseHostList, parseHostsFile, splitHostWords } from "./target.ts";

export interface TargetSources {
  /** HOST arguments: host specs (or @FILE) without an inventory, patterns with one. */
  args: readonly string[];
  hostsFiles: readonly string[];
  inventories: readonly string[];
  /** --limit: a pattern, or @FILE of names (e.g. a --retry-file). */
  limit?: string;
}

/**
 * Collects the hosts to probe from the command line, host files and Ansible inventories; `signal`
 * stops an inventory script (and what it started) still running.
 */
export async function collectTargets(
  sources: TargetSources,
  signal?: AbortSignal,
): Promise<HostTarget[]> {
  if (sources.inventories.length > 0) {
    const inventory = await loadInventory(sources.inventories, signal ? { signal } : {});
    const pattern = sources.args.length > 0 ? sources.args.join(":") : "all";
    let names = selectHosts(inventory, pattern);
    names = applyLimit(inventory, names, sources.limit);
    return names.map((name) => inventoryTarget(inventory, name));
  }
  const targets: HostTarget[] = [];
  for (const arg of sources.args) {
    if (arg.startsWith("@")) targets.push(...readHostsFile(arg.slice(1)));
    else for (const word of splitHostWords(arg)) targets.push(...parseOrExplain(word));
  }
  for (const file of sources.hostsFiles) targets.push(...readHostsFile(file));
  const unique = dedupe(targets);
  if (!sources.limit) return unique;
  // --limit on plain hosts: the same pattern language over their names.
  const inventory = new Inventory();
  for (const target of unique) inventory.addHost(target.name, "ungrouped");
  const kept = new Set(applyLimit(inventory, [...inventory.hosts.keys()], sources.limit));
  return unique.filter((target) => kept.has(target.name));
}

function parseOrExplain(word: string): HostTarget[] {
  try {
    return parseHostList(word);
  } catch (error) {
    throw new Error(`host argument "${word}": ${(error as Error).message}`);
  }
}

function readHostsFile(file: string): HostTarget[] {
  let content: string;
  try {
    content = file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(
      `hosts file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return parseHostsFile(content, file);
}

function applyLimit(inventory: Inventory, names: string[], limit: string | undefined): string[] {
  if (!limit) return names;
  let allowed: Set<string>;
  if (limit.startsWith("@")) {
    const file = limit.slice(1);
    let content: string;
    try {
      content = readFileSync(file, "utf8");
    } catch (error) {
      throw new Error(
        `--limit ${limit}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    // As Ansible reads @FILE: one pattern per line (a retry file's host names are patterns too);
    // blank lines and # comment lines skipped. A name not in the inventory (a host given on the
    // command line) is allowed as written.
    allowed = new Set<string>();
    for (const raw of content.split("\n")) {
      const line = raw.trim();
      if (!line || line.startsWith("#")) continue;
      allowed.add(line);
      for (const host of selectHosts(inventory, line)) allowed.add(host);
    }
  } else {
    allowed = new Set(selectHosts(inventory, limit));
  }
  return names.filter((name) => allowed.has(name));
}

function dedupe(targets: HostTarget[]): HostTarget[] {
  const seen = new Set<string>();
  return targets.filter((target) => {
    if (seen.has(target.name)) return false;
    seen.add(target.name);
    return true;
  });
}
