import type { Duplex } from "node:stream";
import type { Client } from "ssh2";
import { ProbeFailure } from "./failure.ts";
import type { HopPlan } from "./plan.ts";
import { openSession, type SessionContext } from "./session.ts";
import { connectTcp, forwardThrough } from "./transport.ts";

/** Connects through ProxyJump hops (ssh -J a,b): returns the last hop's client and all clients to close. */
export async function openJumpChain(
  jumps: readonly HopPlan[],
  context: SessionContext,
  signal: AbortSignal,
): Promise<Client[]> {
  const clients: Client[] = [];
  try {
    for (const [index, hop] of jumps.entries()) {
      const previous = clients[index - 1];
      const stream: Duplex = previous
        ? await forwardThrough(
            previous,
            jumps[index - 1]?.label ?? "",
            hop.host,
            hop.port,
            hop.connectTimeoutMs,
            signal,
          )
        : await connectTcp(hop.host, hop.port, hop.connectTimeoutMs, signal);
      try {
        const { client } = await openSession(hop, stream, context, signal);
        clients.push(client);
      } catch (error) {
        throw viaJump(error, hop);
      }
    }
    return clients;
  } catch (error) {
    for (const client of clients) client.destroy();
    throw error instanceof ProbeFailure && !error.message.startsWith("jump host")
      ? viaJump(error, jumps[clients.length] ?? jumps[0])
      : error;
  }
}

function viaJump(error: unknown, hop: HopPlan | undefined): ProbeFailure {
  if (!(error instanceof ProbeFailure))
    return new ProbeFailure("unreachable", "connect", String(error), true);
  if (error.status === "cancelled" || error.message.startsWith("jump host")) return error;
  return new ProbeFailure(
    error.status,
    error.phase,
    `jump host ${hop?.label}: ${error.message}`,
    error.retryable,
  );
}

/**
 * Shares one connection per jump chain between all targets behind it (one bastion login for
 * hundreds of hosts, like ControlMaster), dropped when it breaks or the run ends.
 */
export class JumpPool {
  private readonly chains = new Map<string, Promise<Client[]>>();

  constructor(
    private readonly context: SessionContext,
    private readonly signal: AbortSignal,
  ) {}

  async acquire(jumps: readonly HopPlan[]): Promise<Client> {
    const key = jumps.map((hop) => `${hop.user}@${hop.host}:${hop.port}`).join(",");
    let chain = this.chains.get(key);
    if (!chain) {
      chain = openJumpChain(jumps, this.context, this.signal);
      this.chains.set(key, chain);
      chain.then(
        (clients) => {
          for (const client of clients) {
            client.on("error", () => {});
            client.once("close", () => {
              if (this.chains.get(key) === chain) this.chains.delete(key);
            });
          }
        },
        () => {
          // A failed chain is retried by the next host (or attempt), not cached.
          if (this.chains.get(key) === chain) this.chains.delete(key);
        },
      );
    }
    const clients = await chain;
    const last = clients[clients.length - 1];
    if (!last) throw new ProbeFailure("unreachable", "connect", "empty jump chain", false);
    return last;
  }

  closeAll(): void {
    for (const chain of this.chains.values())
      chain.then(
        (clients) => {
          for (const client of clients.reverse()) client.end();
        },
        () => {},
      );
    this.chains.clear();
  }
}
