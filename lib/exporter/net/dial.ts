/**
 * Opens a TCP (and optionally TLS) connection and times each phase, so http/tcp/tls checks can
 * report DNS, connect and handshake separately. Every socket is destroyed when the signal aborts.
 */
import { lookup } from "node:dns/promises";
import { isIP, type Socket, connect as tcpConnect } from "node:net";
import {
  type ConnectionOptions,
  type SecureVersion,
  type TLSSocket,
  connect as tlsConnect,
} from "node:tls";
import { type PeerCertificate, peerCertificates } from "./certs.ts";

export interface TlsSettings {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Inline PEM, instead of the file of the same name (never both). */
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
  insecureSkipVerify: boolean;
  /** Unset: Node's defaults, TLS 1.2 to 1.3, as Go's client. */
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
}

/** blackbox's preferred_ip_protocol and ip_protocol_fallback ("auto": whatever resolves first). */
export interface IpProtocol {
  preferred: "auto" | "ip4" | "ip6";
  /** Use the other family when the name has no address of the preferred one. */
  fallback: boolean;
}

export interface TlsState {
  authorized: boolean;
  authorizationError: string | undefined;
  protocol: string;
  cipher: string;
  /** Leaf first, up to the last certificate the server sent. */
  chain: PeerCertificate[];
}

export interface Dialed {
  socket: Socket;
  address: string;
  family: 4 | 6;
  /** Seconds spent in each phase. */
  resolveSeconds: number;
  connectSeconds: number;
  tlsSeconds: number;
  tls: TlsState | undefined;
}

/** Rejects with the signal's reason when it aborts, and runs cleanup first. */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  cleanup: () => void = () => {},
): Promise<T> {
  if (signal.aborted) {
    cleanup();
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      cleanup();
      reject(abortReason(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

export function abortReason(signal: AbortSignal): Error {
  const reason = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason ?? "aborted"));
}

export async function resolveHost(
  host: string,
  ipProtocol: IpProtocol,
  signal: AbortSignal,
  lookupHost: typeof lookup = lookup,
): Promise<{ address: string; family: 4 | 6 }> {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  const literal = isIP(bare);
  if (literal) return { address: bare, family: literal as 4 | 6 };
  const { preferred, fallback } = ipProtocol;
  const family = preferred === "ip4" ? 4 : preferred === "ip6" ? 6 : 0;
  const resolve = async (family: 0 | 4 | 6) => {
    const found = await abortable(lookupHost(bare, { family }), signal);
    return { address: found.address, family: found.family as 4 | 6 };
  };
  try {
    return await resolve(family);
  } catch (error) {
    if (signal.aborted) throw error;
    if (family !== 0 && fallback) {
      try {
        return await resolve(family === 4 ? 6 : 4);
      } catch (second) {
        if (signal.aborted) throw second;
      }
    }
    throw new Error(`resolving ${bare}: ${(error as Error).message}`);
  }
}

/** Why a socket bound to `source` cannot reach `address` (one family each), or undefined. */
export function sourceFamilyProblem(
  source: string | undefined,
  address: string,
  family: 4 | 6,
): string | undefined {
  if (source === undefined || isIP(source) === family) return undefined;
  return `source_ip_address ${source} is IPv${isIP(source)}, ${address} is IPv${family}`;
}

export async function readTlsFiles(tls: TlsSettings): Promise<ConnectionOptions> {
  const options: ConnectionOptions = { rejectUnauthorized: false };
  const pem = async (inline: string | undefined, file: string | undefined) =>
    inline ?? (file ? await Bun.file(file).text() : undefined);
  const ca = await pem(tls.ca, tls.caFile);
  const cert = await pem(tls.cert, tls.certFile);
  const key = await pem(tls.key, tls.keyFile);
  if (ca !== undefined) options.ca = ca;
  if (cert !== undefined) options.cert = cert;
  if (key !== undefined) options.key = key;
  if (tls.minVersion) options.minVersion = tls.minVersion;
  if (tls.maxVersion) options.maxVersion = tls.maxVersion;
  return options;
}

/** Upgrades a connected socket to TLS; `host` is the SNI/verification name. */
export async function startTls(
  socket: Socket,
  host: string,
  tls: TlsSettings,
  signal: AbortSignal,
): Promise<{ socket: TLSSocket; state: TlsState }> {
  const options = await readTlsFiles(tls);
  const serverName = tls.serverName ?? host.replace(/^\[(.*)\]$/, "$1");
  const secure = tlsConnect({
    ...options,
    socket,
    ...(isIP(serverName) ? {} : { servername: serverName }),
  });
  await abortable(
    new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", () => resolve());
      secure.once("error", reject);
    }),
    signal,
    () => secure.destroy(),
  );
  let authorizationError = secure.authorized
    ? undefined
    : String(secure.authorizationError ?? "certificate not verified");
  let authorized = secure.authorized;
  // rejectUnauthorized is off so the chain can be inspected; the host name is checked here.
  if (authorized) {
    const leaf = secure.getPeerX509Certificate?.();
    const matches = isIP(serverName) ? leaf?.checkIP(serverName) : leaf?.checkHost(serverName);
    if (leaf && !matches) {
      authorized = false;
      authorizationError = `certificate is not valid for ${serverName}`;
    }
  }
  const cipher = secure.getCipher?.();
  return {
    socket: secure,
    state: {
      authorized,
      authorizationError,
      protocol: secure.getProtocol?.() ?? "unknown",
      cipher: cipher?.name ?? "unknown",
      chain: peerCertificates(secure),
    },
  };
}

export async function dial(options: {
  host: string;
  port: number;
  tls: TlsSettings | undefined;
  ipProtocol: IpProtocol;
  /** The local address to bind (blackbox's source_ip_address). */
  localAddress?: string | undefined;
  /** `host`'s address, already resolved by the caller (not looked up again). */
  resolved?: { address: string; family: 4 | 6 } | undefined;
  signal: AbortSignal;
}): Promise<Dialed> {
  const { signal, localAddress } = options;
  const t0 = performance.now();
  const { address, family } =
    options.resolved ?? (await resolveHost(options.host, options.ipProtocol, signal));
  const t1 = performance.now();
  const mismatch = sourceFamilyProblem(localAddress, address, family);
  if (mismatch) throw new Error(`connecting to ${address}:${options.port}: ${mismatch}`);
  const socket = tcpConnect({
    host: address,
    port: options.port,
    family,
    ...(localAddress ? { localAddress } : {}),
  });
  const destroy = () => socket.destroy();
  try {
    await abortable(
      new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("error", reject);
      }),
      signal,
      destroy,
    );
  } catch (error) {
    destroy();
    if (signal.aborted) throw error;
    throw new Error(`connecting to ${address}:${options.port}: ${(error as Error).message}`);
  }
  const t2 = performance.now();
  if (!options.tls)
    return {
      socket,
      address,
      family,
      resolveSeconds: (t1 - t0) / 1000,
      connectSeconds: (t2 - t1) / 1000,
      tlsSeconds: 0,
      tls: undefined,
    };
  try {
    const secured = await startTls(socket, options.host, options.tls, signal);
    const t3 = performance.now();
    return {
      socket: secured.socket,
      address,
      family,
      resolveSeconds: (t1 - t0) / 1000,
      connectSeconds: (t2 - t1) / 1000,
      tlsSeconds: (t3 - t2) / 1000,
      tls: secured.state,
    };
  } catch (error) {
    destroy();
    if (signal.aborted) throw error;
    throw new Error(
      `TLS handshake with ${options.host}:${options.port}: ${(error as Error).message}`,
    );
  }
}
