import type { Client, ClientChannel } from "ssh2";
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

/** What a command had sent when it was given up on (timeout, cancel) or its connection was lost. */
export interface PartialOutput {
  stdout: string;
  stderr: string;
  truncatedBytes: number;
}

/** A command that started but did not finish: why, and the output received until then. */
export class IncompleteCommand extends ProbeFailure {
  constructor(
    failure: ProbeFailure,
    readonly output: PartialOutput,
  ) {
    super(failure.status, failure.phase, failure.message, failure.retryable);
  }
}

/**
 * Keeps the first `limit` bytes of a stream and counts the rest. The cut is moved back to the
 * start of a UTF-8 character it would split, so the kept text never ends in a U+FFFD.
 */
export class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    const room = Math.max(0, this.limit - this.size);
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length > 0) {
      this.chunks.push(kept);
      this.size += kept.length;
    }
    if (kept.length === chunk.length) return;
    if (this.dropped === 0) this.cutAtCharacter();
    this.dropped += chunk.length - kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
  /**
   * The text of a stream that stopped before its end (a command given up on): without the last
   * character if it is cut short, since the rest of it will not come.
   */
  textSoFar(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(0, completeUtf8Length(all)).toString("utf8");
  }
  /** At the first byte dropped: the kept bytes' incomplete last character is dropped too. */
  private cutAtCharacter(): void {
    const all = Buffer.concat(this.chunks);
    const whole = completeUtf8Length(all);
    this.chunks = [all.subarray(0, whole)];
    this.dropped += all.length - whole;
  }
}

/** Length of `bytes` without a UTF-8 sequence its end cuts short (at most 3 bytes less). */
function completeUtf8Length(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: its lead is further back
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/**
 * Runs one command on an authenticated connection, with a deadline and capped output. A command
 * given up on (deadline, signal) is stopped on the host (stopRemote) and rejected as an
 * IncompleteCommand carrying what it had printed, as is one whose connection is lost.
 */
export function runCommand(
  client: Client,
  command: string,
  timeoutMs: number,
  maxOutputBytes: number,
  signal: AbortSignal,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(cancelled("command"));
    const stdout = new CappedBuffer(maxOutputBytes);
    const stderr = new CappedBuffer(maxOutputBytes);
    let exitCode: number | null = null;
    let exitSignal: string | undefined;
    let channel: ClientChannel | undefined;
    let settled = false;
    let gaveUp = false;
    const outputSoFar = (): PartialOutput => ({
      stdout: stdout.textSoFar(),
      stderr: stderr.textSoFar(),
      truncatedBytes: stdout.dropped + stderr.dropped,
    });
    const finish = (failure?: ProbeFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      client.removeListener("error", onClientError);
      client.removeListener("close", onClientClose);
      if (!failure)
        resolve({
          exitCode,
          ...(exitSignal ? { signal: exitSignal } : {}),
          stdout: stdout.text(),
          stderr: stderr.text(),
          truncatedBytes: stdout.dropped + stderr.dropped,
        });
      else if (channel) reject(new IncompleteCommand(failure, outputSoFar()));
      else reject(failure);
    };
    /** sshping stops waiting: the remote command is stopped too, now or once its channel opens. */
    const giveUp = (failure: ProbeFailure) => {
      if (settled) return;
      gaveUp = true;
      if (channel) stopRemote(channel);
      finish(failure);
    };
    const onAbort = () => giveUp(cancelled("command"));
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
        giveUp(
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
    client.exec(command, (error, opened) => {
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
      if (gaveUp) return stopRemote(opened);
      if (settled) return;
      channel = opened;
      opened.on("data", (chunk: Buffer) => stdout.push(chunk));
      opened.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      opened.on("exit", (code: number | null, signalName?: string) => {
        exitCode = typeof code === "number" ? code : null;
        if (signalName) exitSignal = signalName;
      });
      opened.on("close", () => {
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

/**
 * Ends a command sshping no longer waits for. Closing the channel alone leaves it running on the
 * host (`sleep 600` outlives the connection), so first a "signal" request: sshd (OpenSSH 7.9+,
 * sessions without a pty or forced command) sends TERM to the command's process group.
 */
function stopRemote(channel: ClientChannel): void {
  try {
    channel.signal("TERM");
  } catch {
    // A channel already closing: nothing left to signal.
  }
  channel.close();
}
