// Sliding-window limits on disruptive actions: global per minute, per namespace, per node, and
// one disruption budget over a longer window shared by every rule.
export interface RateLimits {
  perMinute: number;
  perNamespacePerMinute: number;
  perNodePerMinute: number;
  /** At most this many disruptive actions within budgetWindow seconds, all rules together. */
  disruptionBudget: number;
  budgetWindow: number;
}

export const defaultRateLimits: RateLimits = {
  perMinute: 10,
  perNamespacePerMinute: 5,
  perNodePerMinute: 5,
  disruptionBudget: 30,
  budgetWindow: 600,
};

interface Scope {
  namespace?: string;
  node?: string;
}

class Window {
  private stamps: number[] = [];
  constructor(private readonly lengthMs: () => number) {}
  count(now: number): number {
    const start = now - this.lengthMs();
    while (this.stamps.length > 0 && (this.stamps[0] as number) <= start) this.stamps.shift();
    return this.stamps.length;
  }
  add(now: number): void {
    this.stamps.push(now);
  }
  remove(stamp: number): void {
    const index = this.stamps.lastIndexOf(stamp);
    if (index >= 0) this.stamps.splice(index, 1);
  }
  empty(now: number): boolean {
    return this.count(now) === 0;
  }
}

export class RateLimiter {
  private readonly global = new Window(() => 60_000);
  private readonly budget = new Window(() => this.limits.budgetWindow * 1000);
  private readonly namespaces = new Map<string, Window>();
  private readonly nodes = new Map<string, Window>();

  constructor(private limits: RateLimits) {}

  setLimits(limits: RateLimits): void {
    this.limits = limits;
  }

  /** Undefined when the action may go now, else the skip reason. */
  check(scope: Scope, now: number): string | undefined {
    if (this.budget.count(now) >= this.limits.disruptionBudget) return "disruption-budget";
    if (this.global.count(now) >= this.limits.perMinute) return "rate-limit-global";
    if (scope.namespace !== undefined) {
      const w = this.namespaces.get(scope.namespace);
      if (w && w.count(now) >= this.limits.perNamespacePerMinute) return "rate-limit-namespace";
    }
    if (scope.node !== undefined) {
      const w = this.nodes.get(scope.node);
      if (w && w.count(now) >= this.limits.perNodePerMinute) return "rate-limit-node";
    }
    return undefined;
  }

  /** Counts an action against every limit; returns its stamp for release(). */
  record(scope: Scope, now: number): number {
    this.global.add(now);
    this.budget.add(now);
    if (scope.namespace !== undefined) windowFor(this.namespaces, scope.namespace).add(now);
    if (scope.node !== undefined) windowFor(this.nodes, scope.node).add(now);
    this.prune(now);
    return now;
  }

  /** The action did not disrupt anything (refused by a PDB, pod gone, error): give it back. */
  release(scope: Scope, stamp: number): void {
    this.global.remove(stamp);
    this.budget.remove(stamp);
    if (scope.namespace !== undefined) this.namespaces.get(scope.namespace)?.remove(stamp);
    if (scope.node !== undefined) this.nodes.get(scope.node)?.remove(stamp);
  }

  private prune(now: number): void {
    for (const map of [this.namespaces, this.nodes]) {
      if (map.size < 1000) continue;
      for (const [key, w] of map) if (w.empty(now)) map.delete(key);
    }
  }
}

function windowFor(map: Map<string, Window>, key: string): Window {
  let w = map.get(key);
  if (!w) {
    w = new Window(() => 60_000);
    map.set(key, w);
  }
  return w;
}
