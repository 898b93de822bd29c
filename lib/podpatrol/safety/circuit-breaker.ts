// Per-owner circuit breaker: when most pods of one owner fail the same way it is an application
// bug, not a stuck pod, and remediation only churns; likewise when remediating an owner again
// and again does not help. The breaker then stops actions for that owner and reports once.
export interface BreakerSettings {
  /** Open when at least this fraction of the owner's pods fail the same rule... */
  ratio: number;
  /** ...and at least this many of them. */
  minFailing: number;
  /** Open after this many remediations of one owner within `window` seconds. */
  maxRemediations: number;
  window: number;
}

export const defaultBreakerSettings: BreakerSettings = {
  ratio: 0.5,
  minFailing: 2,
  maxRemediations: 3,
  window: 3600,
};

export interface BreakerInput {
  failing: number;
  total: number;
  remediations: number;
}

export interface BreakerState {
  open: boolean;
  reason?: "owner-failing" | "remediation-not-helping";
  message?: string;
  /** True when this evaluation opened (or closed) it: report once, not per pod. */
  changed: boolean;
}

export class CircuitBreaker {
  private readonly open = new Map<string, string>();

  constructor(private settings: BreakerSettings) {}

  setSettings(settings: BreakerSettings): void {
    this.settings = settings;
  }

  evaluate(key: string, input: BreakerInput): BreakerState {
    const s = this.settings;
    let reason: BreakerState["reason"];
    let message: string | undefined;
    if (
      input.failing >= s.minFailing &&
      input.total > 0 &&
      input.failing / input.total >= s.ratio
    ) {
      reason = "owner-failing";
      message = `${input.failing} of ${input.total} pods fail the same way: an application problem, not a stuck pod`;
    } else if (input.remediations >= s.maxRemediations) {
      reason = "remediation-not-helping";
      message = `already remediated ${input.remediations} times within ${s.window}s`;
    }
    const wasOpen = this.open.has(key);
    if (reason) {
      this.open.set(key, reason);
      return { open: true, reason, message, changed: !wasOpen };
    }
    this.open.delete(key);
    return { open: false, changed: wasOpen };
  }

  /** Number of owners whose breaker is open now. */
  get openCount(): number {
    return this.open.size;
  }

  forget(key: string): void {
    this.open.delete(key);
  }
}
