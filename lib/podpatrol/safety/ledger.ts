// The remediation ledger: what was done to which owner and when, so one owner is not
// remediated again within its cooldown and repeated remediations trip the breaker.
export interface LedgerEntry {
  at: number;
  rule: string;
  action: string;
  object: string;
}

export class RemediationLedger {
  private readonly entries = new Map<string, LedgerEntry[]>();

  /** historyMs: how long entries are kept (the breaker's window). */
  constructor(private historyMs: number) {}

  setHistory(ms: number): void {
    this.historyMs = ms;
  }

  record(ownerKey: string, entry: LedgerEntry): void {
    const list = this.entries.get(ownerKey) ?? [];
    list.push(entry);
    this.entries.set(ownerKey, list);
    this.prune(entry.at);
  }

  last(ownerKey: string): LedgerEntry | undefined {
    return this.entries.get(ownerKey)?.at(-1);
  }

  /** Milliseconds of cooldown left for this owner (0 = may act). */
  cooldownLeft(ownerKey: string, cooldownMs: number, now: number): number {
    const last = this.last(ownerKey);
    return last ? Math.max(0, last.at + cooldownMs - now) : 0;
  }

  countWithin(ownerKey: string, windowMs: number, now: number): number {
    return (this.entries.get(ownerKey) ?? []).filter((e) => e.at > now - windowMs).length;
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    for (const [key, list] of this.entries) {
      const kept = list.filter((e) => e.at > now - this.historyMs);
      if (kept.length === 0) this.entries.delete(key);
      else if (kept.length !== list.length) this.entries.set(key, kept);
    }
  }
}
