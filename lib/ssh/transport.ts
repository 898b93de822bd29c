import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Client } from "ssh2";
import { hostPort } from "./address.ts";
import { connectionFailure, ProbeFailure, type ProbePhase, seconds } from "./failure.ts";

/** TCP connect with its own deadline and TCP_NODELAY (small SSH packets must not wait). */
export function connectTcp(
  host: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Socket> {
  const where = hostPort(host, port);
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(cancelled());
    const socket = connect({ host, port, noDelay: true });
    const finish = (error?: ProbeFailure) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      socket.removeListener("error", onError);
      if (error) {
        socket.destroy();
        reject(error);
      } else resolve(socket);
    };
    const onAbort = () => finish(cancelled());
    const onError = (error: Error) =>
      finish(connectionFailure(error, "connect", `connect to ${where}`));
    const timer = setTimeout(() => finish(connectTimedOut(where, timeoutMs)), timeoutMs);
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("error", onError);
    socket.once("connect", () => {
      socket.setNoDelay(true);
      finish();
    });
  });
}

/** A TCP stream to host:port opened by a jump host (ssh -J / direct-tcpip), with a deadline. */
export function forwardThrough(
  jump: Client,
  jumpLabel: string,
  host: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Duplex> {
  const where = `${hostPort(host, port)} via ${jumpLabel}`;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(cancelled());
    let done = false;
    const finish = (error: ProbeFailure | undefined, stream?: Duplex) => {
      if (done) {
        stream?.destroy();
        return;
      }
      done = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else if (stream) resolve(stream);
    };
    const onAbort = () => finish(cancelled());
    const timer = setTimeout(() => finish(connectTimedOut(where, timeoutMs)), timeoutMs);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      jump.forwardOut("127.0.0.1", 0, host, port, (error, stream) => {
        if (error) finish(connectionFailure(error, "connect", `connect to ${where}`));
        else finish(undefined, stream);
      });
    } catch (error) {
      finish(connectionFailure(error, "connect", `connect to ${where}`));
    }
  });
}

/** Stopped by the run's signal (Ctrl-C, SIGTERM) during `phase`. */
export function cancelled(phase: ProbePhase = "connect"): ProbeFailure {
  return new ProbeFailure("cancelled", phase, "cancelled", false);
}

/** The connect deadline passed: unreachable, and worth a retry. */
function connectTimedOut(where: string, timeoutMs: number): ProbeFailure {
  return new ProbeFailure(
    "unreachable",
    "connect",
    `connect to ${where}: timed out after ${seconds(timeoutMs)}`,
    true,
  );
}
