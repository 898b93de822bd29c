// Whether this replica may act, and its part in leader election. A dry run writes nothing to the
// cluster, the Lease included: it takes no part in the election and judges as if it led, so an
// SRE's dry run against production never takes the Lease from the deployed patrol (which would
// stop acting while the dry run held it). Going live (SIGHUP) joins the election, acting only once
// leader; going back to dry-run steps down and hands the Lease back.
import type { LeaderElector } from "./kube/leader.ts";

export class Leadership {
  private elector: LeaderElector | undefined;
  /** The previous electors handing their Lease back: a new one starts only after them. */
  private released: Promise<void> = Promise.resolve();
  private stopped = false;

  /** `newElector` undefined: no election, this replica acts alone. */
  constructor(
    private readonly newElector: (() => LeaderElector) | undefined,
    private dryRun: boolean,
  ) {}

  get isLeader(): boolean {
    if (!this.newElector || this.dryRun) return true;
    return this.elector?.isLeader ?? false;
  }

  start(): void {
    if (!this.dryRun) this.join();
  }

  /** Follows a reloaded configuration's dry-run setting. */
  setDryRun(dryRun: boolean): void {
    if (dryRun === this.dryRun) return;
    this.dryRun = dryRun;
    if (this.stopped) return;
    if (dryRun) this.leave();
    else this.join();
  }

  /** Stops taking part; a leader hands the Lease back. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.leave();
    await this.released;
  }

  private join(): void {
    if (!this.newElector) return;
    const elector = this.newElector();
    this.elector = elector;
    // After a quick live -> dry-run -> live, the old elector (same identity) first releases the
    // Lease; started at once, the new one could renew it just before that release empties it.
    void this.released.then(() => {
      if (this.elector === elector && !this.stopped) elector.start();
    });
  }

  private leave(): void {
    const elector = this.elector;
    this.elector = undefined;
    if (elector) this.released = this.released.then(() => elector.stop());
  }
}
