// A TCP proxy on 127.0.0.1 to the API server that can stall: freeze() stops forwarding bytes
// both ways on every open connection without closing it (what a dropped NAT/conntrack entry or
// an idling load balancer looks like to the client: no FIN, no RST, just silence),
// holdNew() accepts new connections and forwards nothing on them either, and closeIdle(ms)
// closes any connection silent for that long (a load balancer whose idle timeout is far below the
// bookmark interval: every watch is closed right after its response headers, lists get through).
import { connect, createServer, type Server, type Socket } from "node:net";

export class FreezableProxy {
  port = 0;
  private server: Server | undefined;
  private readonly open = new Set<{ client: Socket; upstream?: Socket }>();
  private holding = false;
  private idleMs = 0;

  constructor(private readonly target: number) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const pair: { client: Socket; upstream?: Socket } = { client };
      this.open.add(pair);
      client.on("error", () => {});
      client.on("timeout", () => client.destroy());
      client.setTimeout(this.idleMs);
      client.on("close", () => {
        this.open.delete(pair);
        pair.upstream?.destroy();
      });
      if (this.holding) {
        client.pause(); // accepted, never answered
        return;
      }
      const upstream = connect(this.target, "127.0.0.1");
      pair.upstream = upstream;
      upstream.on("error", () => {});
      upstream.on("close", () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const address = this.server.address();
    if (typeof address === "object" && address) this.port = address.port;
  }

  /** Stops forwarding on every open connection, both ways; the sockets stay open. */
  freeze(): number {
    for (const { client, upstream } of this.open) {
      client.unpipe();
      client.pause();
      upstream?.unpipe();
      upstream?.pause();
    }
    return this.open.size;
  }

  /** New connections are accepted and then left silent (true) or forwarded again (false). */
  holdNew(on: boolean): void {
    this.holding = on;
  }

  /** From now on, every connection (open or new) silent for `ms` is closed; 0: never. */
  closeIdle(ms: number): void {
    this.idleMs = ms;
    // Any byte forwarded either way is activity on the client socket.
    for (const { client } of this.open) client.setTimeout(ms);
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server?.close(() => resolve()));
    for (const { client, upstream } of this.open) {
      client.destroy();
      upstream?.destroy();
    }
    await closed;
  }
}
