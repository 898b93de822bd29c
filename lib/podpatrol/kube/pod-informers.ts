// The pod informers: one cluster-wide, or one per namespace (--namespace), seen by the daemon
// as one cache. Changing the namespace list (SIGHUP) stops the watches no longer wanted, drops
// their pods from the engine, and starts the new ones; the others keep their cache.
import type { Pod } from "../kube-types.ts";
import { podPaths } from "../watch-scope.ts";
import { Informer, type InformerHandlers, type InformerSettings } from "./informer.ts";
import type { KubeRest } from "./rest.ts";

export interface PodInformerHooks {
  onRestart(path: string): (reason: string, error?: unknown) => void;
  /** Every current pod informer has synced (again, after a namespace was added). */
  onAllSynced(): void;
}

export class PodInformers {
  private readonly informers = new Map<string, Informer<Pod>>();

  constructor(
    private readonly rest: KubeRest,
    private readonly handlers: InformerHandlers<Pod>,
    private readonly hooks: PodInformerHooks,
    private readonly settings: Partial<InformerSettings>,
  ) {}

  /** Starts (and stops) watches so that exactly these namespaces (none: all) are watched. */
  watch(namespaces: string[]): void {
    const wanted = new Set(podPaths(namespaces));
    for (const [path, informer] of this.informers) {
      if (wanted.has(path)) continue;
      informer.stop();
      this.informers.delete(path);
      for (const pod of informer.cache.values()) this.handlers.remove(pod);
    }
    for (const path of wanted) {
      if (this.informers.has(path)) continue;
      const informer = new Informer<Pod>(
        this.rest,
        path,
        this.handlers,
        {
          onRestart: this.hooks.onRestart(path),
          onSynced: () => {
            if (this.synced()) this.hooks.onAllSynced();
          },
        },
        this.settings,
      );
      this.informers.set(path, informer);
      informer.start();
    }
  }

  synced(): boolean {
    return [...this.informers.values()].every((i) => i.synced);
  }

  /**
   * The watch paths that are not healthy (Informer.healthy), for readiness and the log to name.
   * Ready only when none is: a namespace not watched is a namespace not patrolled.
   */
  unhealthy(): string[] {
    return [...this.informers].filter(([, i]) => !i.healthy()).map(([path]) => path);
  }

  get size(): number {
    let total = 0;
    for (const informer of this.informers.values()) total += informer.cache.size;
    return total;
  }

  stop(): void {
    for (const informer of this.informers.values()) informer.stop();
  }
}
