import { writeAllSync } from "../fs/write-all.ts";

/** Results on stdout: NDJSON/JSON for machines, aligned tables for people. Buffered: ffind prints millions of lines. */

export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number;
  align?: "left" | "right";
}

export interface OutputOptions {
  json: boolean;
  color: boolean;
  isTTY: boolean;
  /** Where bytes go; defaults to fd 1. Tests pass a collector. */
  write?: (chunk: string | Uint8Array) => void;
  /** Called once when the reader goes away (EPIPE: `tool | head -1`), to stop the work. */
  onClose?: () => void;
  /** Called before each write (run-tool clears a progress line drawn on the same terminal). */
  beforeWrite?: () => void;
}

const flushAt = 64 * 1024;

export class Output {
  readonly json: boolean;
  readonly color: boolean;
  readonly isTTY: boolean;
  private chunks: (string | Uint8Array)[] = [];
  private pending = 0;
  private readonly sink: (chunk: string | Uint8Array) => void;
  private readonly onClose: (() => void) | undefined;
  private readonly beforeWrite: (() => void) | undefined;
  /** Set when the reader went away (EPIPE): later writes are dropped. */
  closed = false;

  constructor(options: OutputOptions) {
    this.json = options.json;
    this.color = options.color;
    this.isTTY = options.isTTY;
    this.sink = options.write ?? writeStdout;
    this.onClose = options.onClose;
    this.beforeWrite = options.beforeWrite;
  }

  /** Raw text or bytes (e.g. a path that is not UTF-8). */
  raw(chunk: string | Uint8Array): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.pending += chunk.length;
    if (this.pending >= flushAt) this.flush();
  }

  line(text: string): void {
    this.raw(`${text}\n`);
  }

  /** One NDJSON record (streams under --json). */
  record(value: unknown): void {
    this.raw(`${JSON.stringify(value)}\n`);
  }

  /** A whole JSON document (non-stream results under --json). */
  document(value: unknown): void {
    this.raw(`${JSON.stringify(value, null, 2)}\n`);
  }

  table<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): void {
    const cells = rows.map((row) => columns.map((column) => String(column.value(row))));
    const widths = columns.map((column, i) =>
      Math.max(column.header.length, ...cells.map((row) => displayWidth(row[i] ?? ""))),
    );
    const render = (values: string[]) =>
      values
        .map((value, i) => {
          const pad = " ".repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(value)));
          return columns[i]?.align === "right"
            ? pad + value
            : i === values.length - 1
              ? value
              : value + pad;
        })
        .join("  ");
    const header = render(columns.map((column) => column.header));
    this.line(this.color ? `\x1b[1m${header}\x1b[0m` : header);
    for (const row of cells) this.line(render(row));
  }

  /** Bold/colored text only when color is on. */
  style(text: string, code: "bold" | "red" | "green" | "yellow" | "dim"): string {
    if (!this.color) return text;
    const codes = { bold: 1, red: 31, green: 32, yellow: 33, dim: 90 } as const;
    return `\x1b[${codes[code]}m${text}\x1b[0m`;
  }

  flush(): void {
    if (this.chunks.length === 0) return;
    const chunks = this.chunks;
    this.chunks = [];
    this.pending = 0;
    this.beforeWrite?.();
    try {
      // One write per flush: a syscall per line would dominate a tool printing millions of paths.
      this.sink(
        chunks.every((chunk) => typeof chunk === "string")
          ? chunks.join("")
          : Buffer.concat(
              chunks.map((chunk) => (typeof chunk === "string" ? Buffer.from(chunk) : chunk)),
            ),
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EPIPE") throw new StdoutWriteError(error);
      this.closed = true;
      this.onClose?.();
    }
  }
}

/**
 * stdout failed other than by its reader leaving (a full disk behind `> file`): run-tool names
 * stdout in its error line, wherever the flush was (ENOSPC alone says nothing of what failed).
 */
export class StdoutWriteError extends Error {
  readonly code: string | undefined;
  constructor(error: unknown) {
    super((error as Error).message ?? String(error));
    this.code = (error as NodeJS.ErrnoException).code;
  }
}

function displayWidth(text: string): number {
  return Bun.stringWidth(text);
}

function writeStdout(chunk: string | Uint8Array): void {
  // Synchronous so output is never lost at exit and ordering with stderr holds.
  writeAllSync(1, chunk);
}
