/**
 * Scripted servers on 127.0.0.1 that record who connected and what they asked: a TCP greeter and
 * a DNS server answering every query with no records, over UDP and TCP or over TLS; an HTTP server
 * recording a request header. Close them with closeLoopbackServers.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server } from "node:net";
import { createServer as createTlsServer } from "node:tls";

const closers: (() => void)[] = [];

export function closeLoopbackServers(): void {
  for (const close of closers.splice(0)) close();
}

/** A TCP server on 127.0.0.1 (on `port`, or any) that writes `greeting` and records peers. */
export async function tcpServer(greeting: string | ((request: Buffer) => Buffer), port = 0) {
  const peers: string[] = [];
  const server: Server = createServer((socket) => {
    peers.push(socket.remoteAddress ?? "?");
    socket.on("error", () => {});
    if (typeof greeting === "string") socket.end(greeting);
    else socket.once("data", (data) => socket.end(greeting(data)));
  });
  closers.push(() => server.close());
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address();
  return { peers, port: typeof address === "object" && address ? address.port : 0 };
}

/** The query sent back as an answer with no records; truncated (TC) when `truncated`. */
function emptyAnswer(query: Buffer, truncated: boolean): Buffer {
  const answer = Buffer.from(query);
  answer[2] = ((answer[2] as number) | 0x80 | (truncated ? 0x02 : 0)) & 0xff;
  answer[3] = 0;
  return answer;
}

/**
 * A DNS server on 127.0.0.1 over UDP (answers truncated if `truncated`) and TCP on the same port:
 * records each UDP query's peer and bytes, and each TCP peer and query (without its length).
 */
export async function dnsServer(truncated: boolean) {
  const udpPeers: string[] = [];
  const queries: Buffer[] = [];
  const udp: UdpSocket = createSocket("udp4");
  closers.push(() => udp.close());
  udp.on("message", (query, from) => {
    udpPeers.push(from.address);
    queries.push(Buffer.from(query));
    udp.send(emptyAnswer(query, truncated), from.port, from.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
  const port = udp.address().port;
  const tcpQueries: Buffer[] = [];
  const tcp = await tcpServer((framed) => {
    tcpQueries.push(Buffer.from(framed.subarray(2)));
    const answer = emptyAnswer(framed.subarray(2), false);
    const out = Buffer.alloc(2 + answer.length);
    out.writeUInt16BE(answer.length, 0);
    answer.copy(out, 2);
    return out;
  }, port);
  return { udpPeers, queries, tcpPeers: tcp.peers, tcpQueries, target: `127.0.0.1:${port}` };
}

/** A DNS-over-TLS server on 127.0.0.1 with this certificate: records each query, answers empty. */
export async function dnsOverTlsServer(certificate: { cert: string; key: string }) {
  const queries: Buffer[] = [];
  const server = createTlsServer(certificate, (socket) => {
    socket.on("error", () => {});
    socket.once("data", (framed: Buffer) => {
      queries.push(Buffer.from(framed.subarray(2)));
      const answer = emptyAnswer(framed.subarray(2), false);
      const out = Buffer.alloc(2 + answer.length);
      out.writeUInt16BE(answer.length, 0);
      answer.copy(out, 2);
      socket.end(out);
    });
  });
  closers.push(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { queries, target: `127.0.0.1:${port}` };
}

/**
 * An HTTP server on 127.0.0.1 that records one request header (null when absent) in `seen`; its
 * /away redirects to a second server (another origin) that records it in `elsewhereSeen`.
 */
export function headerRecorder(header: string) {
  const seen: (string | null)[] = [];
  const elsewhereSeen: (string | null)[] = [];
  const elsewhere = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      elsewhereSeen.push(request.headers.get(header));
      return new Response("ok\n");
    },
  });
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      if (new URL(request.url).pathname === "/away")
        return Response.redirect(`http://127.0.0.1:${elsewhere.port}/`, 302);
      seen.push(request.headers.get(header));
      return new Response("ok\n");
    },
  });
  closers.push(() => {
    server.stop(true);
    elsewhere.stop(true);
  });
  return { target: `http://127.0.0.1:${server.port}/`, seen, elsewhereSeen };
}
