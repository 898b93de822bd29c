/** A single self-overwriting status line on stderr, only when stderr is a terminal. */
export class Progress {
  private last = 0;
  private shown = false;

  constructor(
    private readonly enabled: boolean,
    private readonly intervalMs = 100,
  ) {}

  /** Cheap to call in hot loops: redraws at most every intervalMs. */
  update(text: string | (() => string)): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    const line = typeof text === "function" ? text() : text;
    const width = process.stderr.columns || 80; // 0 under `script` and some CI terminals
    process.stderr.write(`\r\x1b[K${line.slice(0, Math.max(10, width - 1))}`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    process.stderr.write("\r\x1b[K");
    this.shown = false;
  }
}
