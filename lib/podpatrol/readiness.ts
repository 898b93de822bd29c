// /readyz's answer, also checked every second so that a patrol going blind (its watches down,
// stalled, or closed as soon as they open) says so in its log, not only in a 503 that a kubelet
// reads: one warning naming the watches when it stops being ready, one line when it is again.
import type { Logger } from "../cli/log.ts";

/** The watches not working (their API paths); none while ready. */
export type NotWorking = () => string[];

const checkEveryMs = 1000;

export class Readiness {
  /** Unready while starting (caches not synced yet): no warning before it was ready once. */
  private state: "starting" | "ready" | "unready" = "starting";
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly notWorking: NotWorking,
    private readonly log: Logger,
    private readonly idleSeconds: number,
  ) {
    this.timer = setInterval(() => this.ready(), checkEveryMs);
    this.timer.unref?.();
  }

  ready(): boolean {
    const down = this.notWorking();
    if (down.length === 0) {
      if (this.state === "unready") this.log.info("ready again: every watch works");
      this.state = "ready";
      return true;
    }
    if (this.state === "ready") {
      this.state = "unready";
      this.log.warn("not ready: no working watch, so no change is seen; /readyz answers 503", {
        watches: down,
        idleSeconds: this.idleSeconds,
      });
    }
    return false;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
