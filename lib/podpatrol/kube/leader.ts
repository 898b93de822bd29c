// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews
// every retryPeriod; others take over once they have seen the record unchanged for a whole
// leaseDuration (their own clock, so skew between replicas does not matter). Durations are
// measured on the monotonic clock (as Go's time.Now() does for client-go): a wall clock stepped
// by NTP or a resumed VM must not keep a leader that cannot renew acting, nor let a follower
// take a Lease that is being renewed. Only the times written into the Lease are wall-clock.
import type { Logger } from "../../cli/log.ts";
import { KubeApiError, type KubeRest } from "./rest.ts";

export interface LeaderSettings {
  namespace: string;
  name: string;
  identity: string;
  /** Seconds. */
  leaseDuration: number;
  renewDeadline: number;
  retryPeriod: number;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

/** Milliseconds on a clock that never jumps (performance.now()), for every duration here. */
function monotonicNow(): number {
  return performance.now();
}

function microTime(): string {
  return new Date().toISOString().replace("Z", "000Z");
}

export class LeaderElector {
  private leading = false;
  private observed = "";
  private observedAt = 0;
  private lastRenew = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The acquire/renew request under way, if any: stop() waits for it before releasing. */
  private attempt: Promise<void> | undefined;

  constructor(
    private readonly rest: KubeRest,
    private readonly settings: LeaderSettings,
    private readonly log: Logger,
    private readonly onChange: (leading: boolean) => void,
  ) {}

  /**
   * Leading and renewed within renewDeadline. A renewal hanging on a silent API server ends only
   * at its timeout; past renewDeadline another replica may soon take the Lease, so stop acting.
   */
  get isLeader(): boolean {
    return this.leading && monotonicNow() - this.lastRenew <= this.settings.renewDeadline * 1000;
  }

  private get path(): string {
    const { namespace, name } = this.settings;
    return `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`;
  }

  start(): void {
    void this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.attempt = this.tryAcquireOrRenew().catch((error) => {
        this.log.warn(`leader election: ${(error as Error).message}`);
      });
      await this.attempt;
      this.attempt = undefined;
      if (this.stopped) return;
      if (this.leading && monotonicNow() - this.lastRenew > this.settings.renewDeadline * 1000) {
        this.log.error("leader election: could not renew the lease in time, stepping down");
        this.setLeading(false);
      }
      await new Promise<void>((resolve) => {
        this.timer = setTimeout(resolve, this.settings.retryPeriod * 1000);
      });
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.log.info(leading ? "became leader" : "stopped leading", {
      lease: `${this.settings.namespace}/${this.settings.name}`,
      identity: this.settings.identity,
    });
    this.onChange(leading);
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { identity, leaseDuration, namespace, name } = this.settings;
    const now = monotonicNow();
    // One attempt may not outlast the renew deadline (the loop then steps down, logged).
    const signal = AbortSignal.timeout(this.settings.renewDeadline * 1000);
    let lease: Lease;
    try {
      lease = await this.rest.request<Lease>("GET", this.path, { signal });
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      const created: Lease = {
        metadata: { name, namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: leaseDuration,
          acquireTime: microTime(),
          renewTime: microTime(),
          leaseTransitions: 0,
        },
      };
      await this.rest.request(
        "POST",
        `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
        {
          body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", ...created },
          signal,
        },
      );
      this.lastRenew = now;
      this.setLeading(true);
      return;
    }
    const record = `${lease.spec.holderIdentity ?? ""}|${lease.spec.renewTime ?? ""}`;
    if (record !== this.observed) {
      this.observed = record;
      this.observedAt = now;
    }
    const holder = lease.spec.holderIdentity ?? "";
    const duration = (lease.spec.leaseDurationSeconds ?? leaseDuration) * 1000;
    if (holder !== identity && holder !== "" && now - this.observedAt < duration) {
      this.setLeading(false);
      return;
    }
    const taking = holder !== identity;
    const spec: Lease["spec"] = {
      ...lease.spec,
      holderIdentity: identity,
      leaseDurationSeconds: leaseDuration,
      renewTime: microTime(),
      ...(taking
        ? { acquireTime: microTime(), leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 }
        : {}),
    };
    try {
      // resourceVersion in the body: a concurrent writer makes this a 409, never two leaders.
      const updated = await this.rest.request<Lease>("PUT", this.path, {
        body: {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: lease.metadata,
          spec,
        },
        signal,
      });
      this.observed = `${updated.spec.holderIdentity ?? ""}|${updated.spec.renewTime ?? ""}`;
      this.observedAt = now;
      this.lastRenew = now;
      this.setLeading(true);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) {
        if (taking) this.setLeading(false);
        return;
      }
      throw error;
    }
  }

  /** Stops; a leader hands the lease back so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // A request under way may still take or renew the Lease: hand back what it gets.
    await this.attempt;
    if (!this.leading) return;
    this.setLeading(false);
    // As long as a renewal gets, for both requests: on a hung API server the release must not
    // outlast the pod's termination grace (each request would wait its 30 s default).
    const signal = AbortSignal.timeout(this.settings.renewDeadline * 1000);
    try {
      const lease = await this.rest.request<Lease>("GET", this.path, { signal });
      if (lease.spec.holderIdentity !== this.settings.identity) return;
      await this.rest.request("PUT", this.path, {
        signal,
        body: {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: lease.metadata,
          spec: {
            ...lease.spec,
            holderIdentity: null,
            leaseDurationSeconds: 1,
            renewTime: microTime(),
          },
        },
      });
    } catch (error) {
      this.log.warn(`leader election: lease not released: ${(error as Error).message}`);
    }
  }
}
