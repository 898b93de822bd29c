/**
 * One DNS query to one server: over UDP (a connected socket, so only the server's packets come
 * back, and a closed port fails at once), again over TCP when the answer was truncated; or over
 * TCP alone, or TLS (DNS over TLS, RFC 7858: the same framing inside TLS).
 * Answers with another ID are ignored, as miekg/dns's client does. Both sockets close on abort.
 */
import { createSocket } from "node:dgram";
import { type Socket, connect as tcpConnect } from "node:net";
import { abortable, sourceFamilyProblem, startTls, type TlsSettings } from "./dial.ts";
import { type DnsMessage, decodeHeader, decodeMessage, encodeQuery } from "./dns-wire.ts";

export interface DnsQuestion {
  name: string;
  type: number;
  /** The RD bit (blackbox's recursion_desired). */
  recursionDesired: boolean;
  /** The question's class (blackbox's query_class): 1 for IN. */
  class: number;
}

/** How the query travels (blackbox's transport_protocol and source_ip_address). */
export interface DnsTransport {
  /** udp: TCP again only after a truncated answer; tcp: TCP alone. */
  protocol: "udp" | "tcp";
  /** The local address to bind. */
  localAddress?: string | undefined;
  /** DNS over TLS (tcp only): tls_config, and the name the certificate must carry. */
  tls?: { settings: TlsSettings; serverName: string } | undefined;
}

export interface DnsServerAddress {
  /** An IP address (no brackets). */
  address: string;
  family: 4 | 6;
  port: number;
}

function overUdp(
  server: DnsServerAddress,
  query: Uint8Array,
  signal: AbortSignal,
  localAddress: string | undefined,
) {
  const socket = createSocket(server.family === 6 ? "udp6" : "udp4");
  const id = (query[0] as number) * 256 + (query[1] as number);
  const answer = new Promise<Uint8Array>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("message", (packet: Buffer) => {
      try {
        const header = decodeHeader(packet);
        if (header.id === id && header.response) resolve(packet);
      } catch {
        // too short to be an answer: keep waiting, as for a stray packet
      }
    });
    const connect = () => socket.connect(server.port, server.address, () => socket.send(query));
    // Bound first (any port) when the query must come from a given address.
    if (localAddress) socket.bind({ address: localAddress, port: 0 }, connect);
    else connect();
  });
  const close = () => {
    try {
      socket.close();
    } catch {
      // already closed
    }
  };
  return abortable(answer, signal, close).finally(close);
}

/** Sends the query with its 2-byte length and reads one answer framed the same way. */
function framedAnswer(socket: Socket, query: Uint8Array): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    let received = Buffer.alloc(0);
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0))
        resolve(received.subarray(2, 2 + received.readUInt16BE(0)));
    });
    const closed = () => reject(new Error("the server closed the connection before answering"));
    socket.on("end", closed);
    socket.on("close", closed);
    const framed = Buffer.alloc(2 + query.length);
    framed.writeUInt16BE(query.length, 0);
    framed.set(query, 2);
    socket.write(framed);
  });
}

async function overStream(
  server: DnsServerAddress,
  query: Uint8Array,
  signal: AbortSignal,
  transport: DnsTransport,
): Promise<Uint8Array> {
  const { localAddress, tls } = transport;
  const tcp = tcpConnect({
    host: server.address,
    port: server.port,
    ...(localAddress ? { localAddress } : {}),
  });
  const sockets: Socket[] = [tcp];
  const destroy = () => {
    for (const socket of sockets) socket.destroy();
  };
  try {
    // on, not once: an error after the connect settles nothing, and must not go unhandled.
    const connected = new Promise<void>((resolve, reject) => {
      tcp.on("error", reject);
      tcp.once("connect", () => resolve());
    });
    await abortable(connected, signal, destroy);
    let socket: Socket = tcp;
    if (tls) {
      const secured = await startTls(tcp, tls.serverName, tls.settings, signal);
      socket = secured.socket;
      sockets.push(socket);
      if (!secured.state.authorized && !tls.settings.insecureSkipVerify)
        throw new Error(`TLS certificate not trusted: ${secured.state.authorizationError}`);
    }
    return await abortable(framedAnswer(socket, query), signal, destroy);
  } finally {
    destroy();
  }
}

/** Asks server the question; resolves with the decoded answer, rejects on network errors. */
export async function exchange(
  server: DnsServerAddress,
  question: DnsQuestion,
  signal: AbortSignal,
  transport: DnsTransport = { protocol: "udp" },
): Promise<DnsMessage> {
  const { localAddress } = transport;
  const mismatch = sourceFamilyProblem(localAddress, server.address, server.family);
  if (mismatch) throw new Error(mismatch);
  const id = crypto.getRandomValues(new Uint16Array(1))[0] as number;
  const query = encodeQuery(
    id,
    question.name,
    question.type,
    question.recursionDesired,
    question.class,
  );
  if (transport.protocol === "udp") {
    const packet = await overUdp(server, query, signal, localAddress);
    if (!decodeHeader(packet).truncated) return decodeMessage(packet);
  }
  const packet = await overStream(server, query, signal, transport);
  if (decodeHeader(packet).id !== id) throw new Error("the TCP answer has another query ID");
  return decodeMessage(packet);
}
