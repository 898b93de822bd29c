import type { Duplex } from "node:stream";
import type { AuthenticationType, Client, ConnectConfig } from "ssh2";
import type { Credentials } from "./credentials.ts";
import { ProbeFailure, type ProbePhase, seconds } from "./failure.ts";
import { identitiesOnlyAgent } from "./identities-agent.ts";
import { algorithmsForKeyType, keyTypeOfBlob } from "./known-hosts.ts";
import type { KnownHostsStore } from "./known-hosts-store.ts";
import type { HopPlan } from "./plan.ts";
import { ssh2 } from "./ssh2.ts";
import { cancelled } from "./transport.ts";

const defaultHostKeyAlgorithms = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

export interface SessionContext {
  knownHosts: KnownHostsStore;
  credentials: Credentials;
  handshakeTimeoutMs: number;
  /** Called when accept-new wrote a key, for the report. */
  onHostKeyAdded?: (hop: HopPlan, file: string) => void;
}

export interface OpenSession {
  client: Client;
  serverVersion: string | undefined;
}

/**
 * SSH over an already connected stream: banner, key exchange with the host key checked against
 * known_hosts (before any credential is offered), then authentication (agent, then key files).
 * Bounded by one deadline; the client is returned authenticated, or destroyed on failure.
 */
export function openSession(
  hop: HopPlan,
  stream: Duplex,
  context: SessionContext,
  signal: AbortSignal,
): Promise<OpenSession> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      stream.destroy();
      return reject(cancelled());
    }
    const client = new (ssh2().Client)();
    let phase: ProbePhase = "banner";
    let settled = false;
    let hostKeyFailure: ProbeFailure | undefined;
    const tried: string[] = [];
    const skipped: string[] = [];

    const finish = (failure?: ProbeFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      if (failure) {
        client.removeAllListeners("ready");
        client.on("error", () => {});
        client.destroy();
        stream.destroy();
        reject(failure);
      } else {
        // After the handshake a dead connection is the command's business.
        client.removeListener("close", onClose);
        resolve({ client, serverVersion: remoteVersion(client) });
      }
    };
    const onAbort = () => finish(cancelled(phase));
    const onClose = () =>
      finish(
        hostKeyFailure ??
          new ProbeFailure(
            "unreachable",
            phase,
            phase === "banner"
              ? "connection closed before the SSH banner (sshd MaxStartups or a non-SSH service?)"
              : `connection closed during ${phase}`,
            phase !== "auth",
          ),
      );
    const timer = setTimeout(() => {
      const what =
        phase === "banner"
          ? `no SSH banner within ${seconds(context.handshakeTimeoutMs)} (tarpit or overloaded server?)`
          : `SSH ${phase} not finished within ${seconds(context.handshakeTimeoutMs)}`;
      finish(new ProbeFailure("unreachable", phase, what, true));
    }, context.handshakeTimeoutMs);
    signal.addEventListener("abort", onAbort, { once: true });

    const methods = authMethods(hop, context.credentials, skipped);
    const hostVerifier = (key: Buffer): boolean => {
      if (hop.hostKeyChecking === "off") return true;
      const verdict = context.knownHosts.verify(hop, key);
      const type = keyTypeOfBlob(key);
      const fingerprint = fingerprintOf(key);
      switch (verdict.kind) {
        case "match":
          return true;
        case "unknown":
          if (hop.hostKeyChecking === "accept-new") {
            try {
              const file = context.knownHosts.accept(hop, key);
              if (file) context.onHostKeyAdded?.(hop, file);
              return true;
            } catch (error) {
              hostKeyFailure = new ProbeFailure(
                "hostkey_unknown",
                "handshake",
                `cannot record the new host key: ${(error as Error).message}`,
                false,
              );
              return false;
            }
          }
          hostKeyFailure = new ProbeFailure(
            "hostkey_unknown",
            "handshake",
            `host key not in known_hosts (${type} ${fingerprint}); refusing under strict checking (use --host-key-checking accept-new to trust on first use)`,
            false,
          );
          return false;
        case "changed": {
          const where = verdict.expected.map((e) => `${e.file}:${e.line}`).join(", ");
          hostKeyFailure = new ProbeFailure(
            "hostkey_mismatch",
            "handshake",
            `HOST KEY MISMATCH: server presented ${type} ${fingerprint}, known_hosts has a different key (${where}); possible man-in-the-middle, not authenticating`,
            false,
          );
          return false;
        }
        case "revoked":
          hostKeyFailure = new ProbeFailure(
            "hostkey_mismatch",
            "handshake",
            `host key ${type} ${fingerprint} is @revoked in ${verdict.entry.file}:${verdict.entry.line}; not authenticating`,
            false,
          );
          return false;
      }
    };

    client.on("handshake", () => {
      phase = "auth";
    });
    client.once("ready", () => finish());
    client.on("close", onClose);
    client.on("error", (error: Error & { level?: string }) => {
      if (hostKeyFailure) return finish(hostKeyFailure);
      if (error.level === "agent") {
        // An agent that cannot be reached or cannot sign (a stale SSH_AUTH_SOCK): ssh2 goes on
        // with the key files, as ssh does; the reason is kept for the auth failure message.
        const agentAt = tried.indexOf("ssh-agent");
        if (agentAt >= 0) tried.splice(agentAt, 1);
        skipped.push(`ssh-agent: ${error.message}`);
        return;
      }
      if (error.level === "client-authentication") {
        const detail = [
          tried.length ? `tried ${tried.join(", ")}` : "no usable credential",
          ...(skipped.length ? [`skipped ${skipped.join("; ")}`] : []),
        ].join("; ");
        return finish(
          new ProbeFailure(
            "auth_failed",
            "auth",
            `authentication failed for user ${hop.user} (${detail})`,
            false,
          ),
        );
      }
      finish(
        new ProbeFailure(
          "unreachable",
          phase,
          `SSH ${phase} failed: ${error.message}`,
          phase !== "auth" && error.level !== "handshake",
        ),
      );
    });

    const known = context.knownHosts.keyTypes(hop).flatMap(algorithmsForKeyType);
    const config: ConnectConfig = {
      sock: stream as ConnectConfig["sock"],
      username: hop.user,
      readyTimeout: 0,
      keepaliveInterval: hop.keepaliveIntervalMs,
      keepaliveCountMax: hop.keepaliveCountMax,
      hostVerifier: hostVerifier as ConnectConfig["hostVerifier"],
      algorithms: {
        serverHostKey: [...new Set([...known, ...defaultHostKeyAlgorithms])] as never,
      },
      authHandler: (methodsLeft, _partial, next) => {
        const allowed = methodsLeft ?? undefined;
        while (methods.length > 0) {
          const method = methods.shift();
          if (!method) break;
          const kind = method.type === "agent" ? "publickey" : method.type;
          if (allowed && !allowed.includes(kind as AuthenticationType)) continue;
          tried.push(method.label);
          next(method.auth as never);
          return;
        }
        next(false as never);
      },
    };
    try {
      client.connect(config);
      signWithoutQuery(client);
      // Attached after ssh2's own reader so no byte is missed; only tells banner from handshake.
      stream.once("data", () => {
        if (phase === "banner") phase = "handshake";
      });
    } catch (error) {
      finish(new ProbeFailure("unreachable", "handshake", (error as Error).message, false));
    }
  });
}

interface AuthMethod {
  type: "agent" | "publickey";
  label: string;
  auth: Record<string, unknown>;
}

function authMethods(hop: HopPlan, credentials: Credentials, skipped: string[]): AuthMethod[] {
  const methods: AuthMethod[] = [];
  // IdentitiesOnly: the agent only for the identity files' keys, as ssh does.
  const agent =
    hop.agentSocket && hop.identitiesOnly
      ? identitiesOnlyAgent(
          hop.agentSocket,
          hop.identityFiles.flatMap(
            (file) => credentials.publicKey(file.path, file.implicit) ?? [],
          ),
        )
      : hop.agentSocket;
  if (agent)
    methods.push({
      type: "agent",
      label: "ssh-agent",
      auth: { type: "agent", username: hop.user, agent },
    });
  for (const file of hop.identityFiles) {
    const identity = credentials.identity(file.path, file.implicit);
    if (identity.key)
      methods.push({
        type: "publickey",
        label: file.path,
        auth: { type: "publickey", username: hop.user, key: identity.key },
      });
    else if (!(file.implicit && identity.problem === "no such file"))
      skipped.push(`${file.path}: ${identity.problem}`);
  }
  return methods;
}

type SignCallback = (data: Buffer, done: (signature: Buffer) => void) => void;
interface PrivateKeyLike {
  isPrivateKey(): boolean;
  sign(data: Buffer, hash?: string): Buffer | Error;
}

/**
 * Key files sign their first userauth request instead of asking "would you accept this key?"
 * first (RFC 4252 allows both; OpenSSH's client asks): one round trip and one authorized_keys
 * pass less per host, which is what a loaded fan-out waits on. Agent keys keep the query, so
 * the agent is only asked to sign for keys the server accepts.
 */
function signWithoutQuery(client: Client): void {
  const protocol = (
    client as unknown as { _protocol?: { authPK?: (...args: unknown[]) => unknown } }
  )._protocol;
  const original = protocol?.authPK;
  if (!protocol || typeof original !== "function") return;
  protocol.authPK = (username: unknown, key: unknown, keyAlgo: unknown, cbSign: unknown) => {
    const privateKey = key as PrivateKeyLike;
    if (
      cbSign !== undefined ||
      typeof keyAlgo === "function" ||
      typeof privateKey?.isPrivateKey !== "function" ||
      !privateKey.isPrivateKey()
    )
      return original.call(protocol, username, key, keyAlgo, cbSign);
    const sign: SignCallback = (data, done) => {
      const signature = privateKey.sign(data, hashFor(keyAlgo));
      if (signature instanceof Error) throw signature;
      done(signature);
    };
    return original.call(protocol, username, key, keyAlgo, sign);
  };
}

function hashFor(keyAlgo: unknown): string | undefined {
  if (keyAlgo === "rsa-sha2-256") return "sha256";
  if (keyAlgo === "rsa-sha2-512") return "sha512";
  return undefined;
}

function fingerprintOf(key: Buffer): string {
  const hash = new Bun.CryptoHasher("sha256").update(key).digest("base64").replace(/=+$/, "");
  return `SHA256:${hash}`;
}

function remoteVersion(client: Client): string | undefined {
  return (client as unknown as { _remoteVer?: string })._remoteVer;
}
