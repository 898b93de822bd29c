/**
 * For the http check's proxy tests, all on 127.0.0.1: a forward proxy (absolute-form requests
 * forwarded, CONNECT tunnelled; over TLS with `tls`: an https:// proxy) and a target server, each
 * recording the request heads it got. Every upstream is 127.0.0.1 at the port asked, whatever
 * host name was asked: nothing leaves loopback. Close them with closeProxyServers.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";

export interface RecordedHead {
  line: string;
  headers: [string, string][];
  /** The TLS client's SNI (targets only). */
  servername?: string | false;
}

/** Every value of a header (any case) in a recorded head. */
export function headerValues(head: RecordedHead | undefined, name: string): string[] {
  return (head?.headers ?? []).filter(([key]) => key.toLowerCase() === name).map(([, v]) => v);
}

const closers: (() => void)[] = [];

export function closeProxyServers(): void {
  for (const close of closers.splice(0)) close();
}

/** Reads one request head, then hands it and the bytes after it to `then`. */
function onHead(socket: Socket, then: (head: RecordedHead, rest: Buffer) => void): void {
  let buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    const end = buffer.indexOf("\r\n\r\n");
    if (end < 0) return;
    socket.off("data", onData);
    const [line = "", ...lines] = buffer.subarray(0, end).toString("latin1").split("\r\n");
    const headers = lines.map((text): [string, string] => {
      const colon = text.indexOf(":");
      return [text.slice(0, colon), text.slice(colon + 1).trim()];
    });
    then({ line, headers }, buffer.subarray(end + 4));
  };
  socket.on("data", onData);
}

/** Listens on 127.0.0.1; `close` stops this server alone (closeProxyServers stops them all). */
async function listen(server: Server, sockets: Set<Socket>) {
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const close = () => {
    for (const socket of sockets) socket.destroy();
    server.close();
  };
  closers.push(close);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { port: typeof address === "object" && address ? address.port : 0, close };
}

function pipeBoth(a: Socket, b: Socket): void {
  a.on("error", () => b.destroy());
  b.on("error", () => a.destroy());
  a.pipe(b);
  b.pipe(a);
}

export interface ProxyOptions {
  /** Serve TLS with this certificate (an https:// proxy). */
  tls?: { cert: string; key: string };
  /** Answer every CONNECT with this status (e.g. "407 Proxy Authentication Required"). */
  refuseConnect?: string;
  /** Bytes written right behind CONNECT's 200, in the same write (a broken proxy). */
  afterConnected?: string;
}

/** A forward proxy on 127.0.0.1 recording every request head it got, in `requests`. */
export async function forwardProxy(options: ProxyOptions = {}) {
  const requests: RecordedHead[] = [];
  const sockets = new Set<Socket>();
  const serve = (client: Socket) => {
    client.on("error", () => {});
    onHead(client, (head, rest) => {
      requests.push(head);
      const [method = "", target = ""] = head.line.split(" ");
      if (method === "CONNECT") {
        if (options.refuseConnect) {
          client.end(`HTTP/1.1 ${options.refuseConnect}\r\nContent-Length: 0\r\n\r\n`);
          return;
        }
        const port = Number(target.slice(target.lastIndexOf(":") + 1));
        const upstream = tcpConnect(port, "127.0.0.1", () => {
          client.write(
            `HTTP/1.1 200 Connection established\r\n\r\n${options.afterConnected ?? ""}`,
          );
          if (rest.length) upstream.write(rest);
          pipeBoth(client, upstream);
        });
        upstream.on("error", () => client.destroy());
        return;
      }
      const url = new URL(target);
      const upstream = tcpConnect(Number(url.port || 80), "127.0.0.1", () => {
        const kept = head.headers.filter(([name]) => name.toLowerCase() !== "proxy-authorization");
        const lines = kept.map(([name, value]) => `${name}: ${value}\r\n`).join("");
        upstream.write(`${method} ${url.pathname}${url.search} HTTP/1.1\r\n${lines}\r\n`);
        if (rest.length) upstream.write(rest);
        pipeBoth(client, upstream);
      });
      upstream.on("error", () => client.destroy());
    });
  };
  const server = options.tls
    ? createTlsServer(options.tls, (socket) => serve(socket as TLSSocket))
    : createServer(serve);
  server.on("tlsClientError", () => {});
  return { ...(await listen(server, sockets)), requests };
}

/**
 * A target on 127.0.0.1 (TLS with `tls`) recording each request head and the SNI it came with:
 * /away?to=URL redirects there (302), anything else answers 200 "ok".
 */
export async function recordingTarget(tls?: { cert: string; key: string }) {
  const requests: RecordedHead[] = [];
  const sockets = new Set<Socket>();
  const serve = (socket: Socket) => {
    socket.on("error", () => {});
    onHead(socket, (head) => {
      const servername = (socket as TLSSocket & { servername?: string | false }).servername;
      requests.push(tls ? { ...head, servername } : head);
      const path = head.line.split(" ")[1] ?? "/";
      const to = new URL(path, "http://x").searchParams.get("to");
      socket.end(
        to
          ? `HTTP/1.1 302 Found\r\nLocation: ${to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`
          : "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n",
      );
    });
  };
  const server = tls
    ? createTlsServer(tls, (socket) => serve(socket as TLSSocket))
    : createServer(serve);
  server.on("tlsClientError", () => {});
  return { ...(await listen(server, sockets)), requests };
}
