/** The latest result of every scheduled check, and their exposition, cached until one changes. */
import { FamilyWriter, writeResult } from "./exposition/render.ts";
import type { CheckResult, CheckSpec } from "./types.ts";

export const checkPrefix = "opsctl_check_";

interface Entry {
  spec: CheckSpec;
  result: CheckResult;
}

export class ResultStore {
  private readonly entries = new Map<string, Entry>();
  private specs: CheckSpec[] = [];
  private cached: string | undefined;
  private cachedBytes: Uint8Array | undefined;

  /** The checks now configured: results of unchanged checks survive, the rest are dropped. */
  useChecks(specs: CheckSpec[]): void {
    const kept = new Map<string, Entry>();
    for (const spec of specs) {
      const entry = this.entries.get(spec.name);
      if (entry && entry.spec.fingerprint === spec.fingerprint) kept.set(spec.name, entry);
    }
    this.entries.clear();
    for (const [name, entry] of kept) this.entries.set(name, entry);
    this.specs = specs;
    this.invalidate();
  }

  private invalidate(): void {
    this.cached = undefined;
    this.cachedBytes = undefined;
  }

  set(spec: CheckSpec, result: CheckResult): void {
    this.entries.set(spec.name, { spec, result });
    this.invalidate();
  }

  get(name: string): Entry | undefined {
    return this.entries.get(name);
  }

  /** True once every configured check has run at least once. */
  complete(): boolean {
    return this.specs.every((spec) => this.entries.has(spec.name));
  }

  list(): { spec: CheckSpec; result: CheckResult | undefined }[] {
    return this.specs.map((spec) => ({ spec, result: this.entries.get(spec.name)?.result }));
  }

  /** The exposition as UTF-8, encoded once per change: a scrape copies bytes, it builds nothing. */
  expositionBytes(): Uint8Array {
    this.cachedBytes ??= new TextEncoder().encode(this.exposition());
    return this.cachedBytes;
  }

  /** The scheduled checks' exposition; rebuilt only after a result changed. */
  exposition(): string {
    if (this.cached !== undefined) return this.cached;
    const writer = new FamilyWriter();
    for (const spec of this.specs) {
      const entry = this.entries.get(spec.name);
      if (!entry) continue;
      writeResult(
        writer,
        checkPrefix,
        { check: spec.name, kind: spec.kind, ...spec.labels },
        spec,
        entry.result,
        true,
      );
    }
    this.cached = writer.text();
    return this.cached;
  }
}
