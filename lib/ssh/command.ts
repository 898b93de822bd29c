import type { Client } from "ssh2";
import { ProbeFailure, seconds } from "./failure.ts";
import { cancelled } from "./transport.ts";

export interface CommandResult {
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  /** Bytes dropped beyond maxOutputBytes per stream (memory stays constant per host). */
  truncatedBytes: number;
}

/** Keeps the first `limit` bytes of a stream and counts the rest. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
    this.dropped += chunk.length - kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/** Runs one command on an authenticated connection, with a deadline and capped output. */
export function runCommand(
  client: Client,
  command: string,
  timeoutMs: number,
  maxOutputBytes: number,
  signal: AbortSignal,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(cancelled());
    const stdout = new CappedBuffer(maxOutputBytes);
    const stderr = new CappedBuffer(maxOutputBytes);
    let exitCode: number | null = null;
    let exitSignal: string | undefined;
    let settled = false;
    const finish = (failure?: ProbeFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      client.removeListener("error", onClientError);
      client.removeListener("close", onClientClose);
      if (failure) reject(failure);
      else
        resolve({
          exitCode,
          ...(exitSignal ? { signal: exitSignal } : {}),
          stdout: stdout.text(),
          stderr: stderr.text(),
          truncatedBytes: stdout.dropped + stderr.dropped,
        });
    };
    const onAbort = () => finish(cancelled());
    const onClientError = (error: Error) =>
      finish(
        new ProbeFailure(
          "failed",
          "command",
          `connection lost while the command ran: ${error.message}`,
          false,
        ),
      );
    const onClientClose = () =>
      finish(
        new ProbeFailure(
          "failed",
          "command",
          "connection closed before the command finished",
          false,
        ),
      );
    const timer = setTimeout(
      () =>
        finish(
          new ProbeFailure(
            "failed",
            "command",
            `command timed out after ${seconds(timeoutMs)}`,
            false,
          ),
        ),
      timeoutMs,
    );
    signal.addEventListener("abort", onAbort, { once: true });
    client.on("error", onClientError);
    client.on("close", onClientClose);
    client.exec(command, (error, channel) => {
      if (error) {
        finish(
          new ProbeFailure(
            "failed",
            "command",
            `cannot start the command: ${error.message}`,
            false,
          ),
        );
        return;
      }
      channel.on("data", (chunk: Buffer) => stdout.push(chunk));
      channel.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      channel.on("exit", (code: number | null, signalName?: string) => {
        exitCode = typeof code === "number" ? code : null;
        if (signalName) exitSignal = signalName;
      });
      channel.on("close", () => {
        if (exitCode === null && !exitSignal)
          finish(
            new ProbeFailure(
              "failed",
              "command",
              "the channel closed without an exit status",
              false,
            ),
          );
        else finish();
      });
    });
  });
}
