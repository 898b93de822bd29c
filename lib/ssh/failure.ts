/** How a host ended; every status maps to one summary bucket and exit code. */
export type ProbeStatus =
  | "ok"
  | "failed"
  | "unreachable"
  | "auth_failed"
  | "hostkey_mismatch"
  | "hostkey_unknown"
  | "cancelled";

export type ProbePhase = "connect" | "banner" | "handshake" | "auth" | "command";

/** A probe attempt that ended badly, with what to tell the user and whether a retry may help. */
export class ProbeFailure extends Error {
  constructor(
    readonly status: ProbeStatus,
    readonly phase: ProbePhase,
    message: string,
    /** Only connection-level trouble is retried: never auth, host keys or commands. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const retryableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "EPIPE",
  "ECONNABORTED",
]);

/** A socket-level error (connect refused, reset, DNS) as a ProbeFailure. */
export function connectionFailure(error: unknown, phase: ProbePhase, where: string): ProbeFailure {
  if (error instanceof ProbeFailure) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  const message = (error as Error)?.message ?? String(error);
  const reason =
    code === "ECONNREFUSED"
      ? "connection refused"
      : code === "ENOTFOUND"
        ? "host name not found"
        : code === "EHOSTUNREACH"
          ? "no route to host"
          : code === "ECONNRESET"
            ? "connection reset by peer"
            : message;
  return new ProbeFailure(
    "unreachable",
    phase,
    `${where}: ${reason}`,
    code ? retryableCodes.has(code) : true,
  );
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
