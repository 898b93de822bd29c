/** An Ansible inventory in memory: hosts, groups (with children) and their variables. */

export type Vars = Record<string, unknown>;

/**
 * Sets a variable as data. `vars[key] = value` and Object.assign would make a variable named
 * __proto__ the object's prototype (dropped, or lending its keys, such as ansible_host, to
 * every lookup) instead of a variable.
 */
export function setVar(vars: Vars, key: string, value: unknown): void {
  Object.defineProperty(vars, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Object.assign for variables: every own key of `from` set on `into` as data (setVar). */
export function assignVars(into: Vars, from: Vars | undefined): Vars {
  for (const [key, value] of Object.entries(from ?? {})) setVar(into, key, value);
  return into;
}

/** A variable the inventory set, never one of Object.prototype's (constructor, toString). */
export function ownVar(vars: Vars, key: string): unknown {
  return Object.hasOwn(vars, key) ? vars[key] : undefined;
}

export interface InventoryGroup {
  name: string;
  hosts: Set<string>;
  children: Set<string>;
  vars: Vars;
}

export class Inventory {
  /** Host name -> host vars, in the order hosts first appear (ansible keeps this order). */
  readonly hosts = new Map<string, Vars>();
  readonly groups = new Map<string, InventoryGroup>();

  constructor() {
    this.group("all");
    this.group("ungrouped");
  }

  group(name: string): InventoryGroup {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, hosts: new Set(), children: new Set(), vars: {} };
      this.groups.set(name, group);
    }
    return group;
  }

  addHost(name: string, group: string, vars: Vars = {}): void {
    this.membership = undefined;
    const existing = this.hosts.get(name);
    this.hosts.set(name, { ...existing, ...vars });
    this.group(group).hosts.add(name);
  }

  addChild(parent: string, child: string): void {
    if (parent === child) throw new Error(`group "${parent}" cannot be its own child`);
    this.membership = undefined;
    this.group(parent).children.add(child);
    this.group(child);
  }

  /** Every host of a group, through its children, in inventory order. */
  hostsOf(groupName: string): Set<string> {
    if (groupName === "all") return new Set(this.hosts.keys());
    const found = new Set<string>();
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const group = this.groups.get(name);
      if (!group) return;
      for (const host of group.hosts) found.add(host);
      for (const child of group.children) visit(child);
    };
    visit(groupName);
    if (groupName === "ungrouped") {
      for (const host of this.hosts.keys()) if (!this.isGrouped(host)) found.add(host);
    }
    return new Set([...this.hosts.keys()].filter((host) => found.has(host)));
  }

  private isGrouped(host: string): boolean {
    for (const group of this.groups.values())
      if (group.name !== "all" && group.name !== "ungrouped" && group.hosts.has(host)) return true;
    return false;
  }

  /**
   * Effective variables of a host, Ansible's order: all, then groups from the shallowest to the
   * deepest (ties by name), then the host's own vars.
   */
  varsOf(host: string): Vars {
    const depth = this.groupDepths();
    const memberOf = (this.groupsByHost().get(host) ?? []).flatMap(
      (name) => this.groups.get(name) ?? [],
    );
    memberOf.sort(
      (a, b) => (depth.get(a.name) ?? 0) - (depth.get(b.name) ?? 0) || a.name.localeCompare(b.name),
    );
    const vars: Vars = { ...this.group("all").vars };
    for (const group of memberOf) assignVars(vars, group.vars);
    return assignVars(vars, this.hosts.get(host));
  }

  /** Host -> the groups (other than all) it belongs to, directly or through children. */
  private membership: Map<string, string[]> | undefined;

  /** Each group's members walked once, not once per host: a 5000-host inventory took minutes. */
  private groupsByHost(): Map<string, string[]> {
    if (this.membership) return this.membership;
    const membership = new Map<string, string[]>();
    for (const name of this.groups.keys()) {
      if (name === "all") continue;
      for (const host of this.hostsOf(name)) {
        const list = membership.get(host);
        if (list) list.push(name);
        else membership.set(host, [name]);
      }
    }
    this.membership = membership;
    return membership;
  }

  private depthCache: Map<string, number> | undefined;

  private groupDepths(): Map<string, number> {
    if (this.depthCache) return this.depthCache;
    const depth = new Map<string, number>();
    const walk = (name: string, level: number, path: Set<string>) => {
      if (path.has(name)) throw new Error(`inventory: group "${name}" is its own ancestor`);
      if ((depth.get(name) ?? -1) >= level) return;
      depth.set(name, level);
      const next = new Set(path).add(name);
      for (const child of this.groups.get(name)?.children ?? []) walk(child, level + 1, next);
    };
    const roots = [...this.groups.keys()].filter(
      (name) => ![...this.groups.values()].some((group) => group.children.has(name)),
    );
    for (const root of roots) walk(root, root === "all" ? 0 : 1, new Set());
    this.depthCache = depth;
    return depth;
  }

  /** Call after the inventory changes shape (parsers do). */
  invalidate(): void {
    this.depthCache = undefined;
    this.membership = undefined;
  }
}
