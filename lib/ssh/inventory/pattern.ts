import type { Inventory } from "./model.ts";

/**
 * Ansible host patterns: "all", "*", names, globs (web*), regexes (~web\d+), unions (a:b or a,b),
 * intersections (&prod) and exclusions (!web03). Like Ansible: unions first, then
 * intersections, then exclusions; the result keeps inventory order.
 */
export function selectHosts(inventory: Inventory, pattern: string): string[] {
  const terms = splitPattern(pattern);
  if (terms.length === 0) throw new Error(`host pattern "${pattern}" is empty`);
  const union = new Set<string>();
  const intersections: Set<string>[] = [];
  const exclusions: Set<string>[] = [];
  for (const term of terms) {
    if (term.startsWith("&")) intersections.push(matchTerm(inventory, term.slice(1)));
    else if (term.startsWith("!")) exclusions.push(matchTerm(inventory, term.slice(1)));
    else for (const host of matchTerm(inventory, term)) union.add(host);
  }
  if (
    union.size === 0 &&
    intersections.length + exclusions.length > 0 &&
    terms.every((t) => /^[&!]/.test(t))
  )
    for (const host of inventory.hosts.keys()) union.add(host);
  const selected = [...inventory.hosts.keys()].filter(
    (host) =>
      union.has(host) &&
      intersections.every((set) => set.has(host)) &&
      !exclusions.some((set) => set.has(host)),
  );
  return selected;
}

/** Splits on ":" and "," except inside brackets or a ~regex term. */
export function splitPattern(pattern: string): string[] {
  const terms: string[] = [];
  let current = "";
  let depth = 0;
  for (const char of pattern.trim()) {
    if (char === "[") depth++;
    if (char === "]") depth = Math.max(0, depth - 1);
    if ((char === ":" || char === ",") && depth === 0 && !current.startsWith("~")) {
      if (current.trim()) terms.push(current.trim());
      current = "";
      continue;
    }
    current += char;
  }
  if (current.trim()) terms.push(current.trim());
  return terms;
}

function matchTerm(inventory: Inventory, term: string): Set<string> {
  if (term === "all" || term === "*") return new Set(inventory.hosts.keys());
  if (inventory.groups.has(term)) return inventory.hostsOf(term);
  if (inventory.hosts.has(term)) return new Set([term]);
  let test: (name: string) => boolean;
  if (term.startsWith("~")) {
    let regex: RegExp;
    try {
      // Anchored at the start, as Ansible's re.match: ~web is web*, not anything containing web.
      regex = new RegExp(`^(?:${term.slice(1)})`);
    } catch (error) {
      throw new Error(`host pattern "${term}": ${(error as Error).message}`);
    }
    test = (name) => regex.test(name);
  } else if (/[*?[]/.test(term)) {
    const glob = new Bun.Glob(term);
    test = (name) => glob.match(name);
  } else {
    return new Set();
  }
  const found = new Set<string>();
  for (const group of inventory.groups.keys())
    if (test(group)) for (const host of inventory.hostsOf(group)) found.add(host);
  for (const host of inventory.hosts.keys()) if (test(host)) found.add(host);
  return found;
}
