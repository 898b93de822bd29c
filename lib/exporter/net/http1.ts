/**
 * A small HTTP/1.1 client on top of dial(): one request per connection, timed per phase
 * (resolve, connect, TLS, processing = request sent to first byte, transfer = first to last byte).
 * fetch() cannot split those, and blackbox_exporter users expect the split.
 */
import { type Dialed, dial, type IpProtocol, type TlsSettings } from "./dial.ts";
import { dialThroughProxy, type ProxyRoute, proxyAuthorization } from "./proxy-dial.ts";

export interface HttpRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  /** Lines sent after `headers`, a name possibly repeated (prometheus/common's http_headers). */
  addedHeaders?: [string, string][];
  body: string | undefined;
  tls: TlsSettings;
  ipProtocol: IpProtocol;
  signal: AbortSignal;
  maxBodyBytes: number;
  /** Through this proxy: absolute-form requests for http, a CONNECT tunnel for https. */
  proxy?: ProxyRoute | undefined;
  /** The target's address when the caller resolved it already (direct connections only). */
  resolved?: { address: string; family: 4 | 6 } | undefined;
}

export interface HttpResponse {
  status: number;
  httpVersion: string;
  headers: [string, string][];
  body: Buffer;
  dialed: Dialed;
  processingSeconds: number;
  transferSeconds: number;
}

/** The server's certificate did not verify: the request (and its credentials) was not sent. */
export class UntrustedServer extends Error {
  constructor(readonly dialed: Dialed & { tls: NonNullable<Dialed["tls"]> }) {
    super(`TLS certificate not trusted: ${dialed.tls.authorizationError}`);
  }
}

export function defaultPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

export async function httpRequest(request: HttpRequest): Promise<HttpResponse> {
  const { url, signal } = request;
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`${url.href}: only http and https URLs can be probed`);
  const targetTls = url.protocol === "https:" ? request.tls : undefined;
  const dialed = request.proxy
    ? await dialThroughProxy({
        route: request.proxy,
        host: url.hostname,
        port: defaultPort(url),
        tls: targetTls,
        proxyTls: request.tls,
        signal,
      })
    : await dial({
        host: url.hostname,
        port: defaultPort(url),
        tls: targetTls,
        ipProtocol: request.ipProtocol,
        resolved: request.resolved,
        signal,
      });
  const socket = dialed.socket;
  // Headers may carry secrets: an unverified server (a man in the middle) gets nothing.
  if (dialed.tls && !dialed.tls.authorized && !request.tls.insecureSkipVerify) {
    socket.destroy();
    throw new UntrustedServer({ ...dialed, tls: dialed.tls });
  }
  const onAbort = () => socket.destroy();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    // Names compare in any case (as Go's Header.Set): a `user-agent` given replaces ours, not
    // a second line beside it (two Host lines are a 400).
    const headers = new Map<string, [string, string]>();
    const set = (name: string, value: string) => headers.set(name.toLowerCase(), [name, value]);
    set("Host", url.host);
    set("User-Agent", "opsctl-exporter");
    set("Accept", "*/*");
    for (const [name, value] of Object.entries(request.headers)) set(name, value);
    // Through a proxy an http request names its target in full (absolute form, with the Host
    // sent, as Go writes it) and carries the proxy's credentials; an https one is tunnelled.
    const viaProxy = request.proxy && url.protocol === "http:" ? request.proxy.proxy : undefined;
    const authorization = viaProxy && proxyAuthorization(viaProxy);
    if (authorization) set("Proxy-Authorization", authorization);
    set("Connection", "close");
    if (body) set("Content-Length", String(body.length));
    const target = viaProxy ? `http://${headers.get("host")?.[1] ?? url.host}` : "";
    let head = `${request.method} ${target}${url.pathname}${url.search} HTTP/1.1\r\n`;
    for (const [name, value] of headers.values()) head += `${name}: ${value}\r\n`;
    for (const [name, value] of request.addedHeaders ?? []) head += `${name}: ${value}\r\n`;
    const sent = performance.now();
    socket.write(`${head}\r\n`);
    if (body) socket.write(body);
    const reader = new ResponseReader(request.method === "HEAD", request.maxBodyBytes);
    const result = await new Promise<HttpResponse>((resolve, reject) => {
      let firstByte = 0;
      const finish = () => {
        try {
          const parsed = reader.finish();
          const done = performance.now();
          resolve({
            ...parsed,
            dialed,
            processingSeconds: ((firstByte || done) - sent) / 1000,
            transferSeconds: (done - (firstByte || done)) / 1000,
          });
        } catch (error) {
          reject(error);
        }
      };
      socket.on("data", (chunk: Buffer) => {
        if (!firstByte) firstByte = performance.now();
        try {
          if (reader.push(chunk)) {
            socket.removeAllListeners("data");
            socket.removeAllListeners("end");
            finish();
          }
        } catch (error) {
          reject(error);
        }
      });
      socket.once("end", finish);
      socket.once("close", finish);
      socket.once("error", reject);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    return result;
  } finally {
    signal.removeEventListener("abort", onAbort);
    socket.destroy();
  }
}

/** Incremental response parser: push() returns true once the whole message has arrived. */
class ResponseReader {
  /**
   * What arrived so far is store[0, length): grown by doubling. Joining each packet onto the
   * whole (Buffer.concat) copied a 10 MiB body hundreds of times over.
   */
  private store: Buffer = Buffer.alloc(0);
  private length = 0;
  private get buffer(): Buffer {
    return this.store.subarray(0, this.length);
  }
  private head: { status: number; httpVersion: string; headers: [string, string][] } | undefined;
  private bodyStart = 0;
  private contentLength: number | undefined;
  private chunked = false;
  private complete = false;
  private chunks: Buffer[] = [];
  private chunkOffset = 0;

  constructor(
    private readonly isHead: boolean,
    private readonly maxBodyBytes: number,
  ) {}

  push(data: Buffer): boolean {
    if (this.length + data.length > this.store.length) {
      const size = Math.max(this.store.length * 2, this.length + data.length, 16 * 1024);
      const grown = Buffer.allocUnsafe(size);
      this.store.copy(grown, 0, 0, this.length);
      this.store = grown;
    }
    data.copy(this.store, this.length);
    this.length += data.length;
    if (!this.head) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) {
        if (this.buffer.length > 64 * 1024) throw new Error("response headers larger than 64 KiB");
        return false;
      }
      this.parseHead(this.buffer.subarray(0, end).toString("latin1"));
      this.bodyStart = end + 4;
      this.chunkOffset = this.bodyStart;
    }
    const head = this.head as NonNullable<typeof this.head>;
    if (this.isHead || head.status < 200 || head.status === 204 || head.status === 304) {
      this.complete = true;
      return true;
    }
    if (this.buffer.length - this.bodyStart > this.maxBodyBytes)
      throw new Error(`response body larger than ${this.maxBodyBytes} bytes`);
    if (this.chunked) return this.readChunks();
    if (this.contentLength !== undefined) {
      this.complete = this.buffer.length - this.bodyStart >= this.contentLength;
      return this.complete;
    }
    return false;
  }

  /** Called when the server closed the connection. */
  finish(): Omit<HttpResponse, "dialed" | "processingSeconds" | "transferSeconds"> {
    if (!this.head) throw new Error("connection closed before a response arrived");
    if (!this.complete && (this.chunked || this.contentLength !== undefined))
      throw new Error("connection closed before the response body was complete");
    const body = this.chunked
      ? Buffer.concat(this.chunks)
      : this.buffer.subarray(
          this.bodyStart,
          this.contentLength === undefined ? undefined : this.bodyStart + this.contentLength,
        );
    return { ...this.head, body: this.isHead ? Buffer.alloc(0) : body };
  }

  private parseHead(text: string): void {
    const [statusLine = "", ...lines] = text.split("\r\n");
    const match = /^HTTP\/(\d\.\d) (\d{3})/.exec(statusLine);
    if (!match) throw new Error(`not an HTTP response: "${statusLine.slice(0, 60)}"`);
    const headers: [string, string][] = [];
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
    this.head = { status: Number(match[2]), httpVersion: match[1] ?? "1.1", headers };
    const header = (name: string) =>
      headers.find(([key]) => key.toLowerCase() === name)?.[1]?.toLowerCase();
    this.chunked = header("transfer-encoding")?.includes("chunked") ?? false;
    const length = header("content-length");
    if (!this.chunked && length !== undefined) this.contentLength = Number(length);
  }

  private readChunks(): boolean {
    for (;;) {
      const lineEnd = this.buffer.indexOf("\r\n", this.chunkOffset);
      if (lineEnd < 0) return false;
      const size = Number.parseInt(
        this.buffer.subarray(this.chunkOffset, lineEnd).toString("latin1"),
        16,
      );
      if (Number.isNaN(size)) throw new Error("malformed chunked encoding");
      if (size === 0) {
        this.complete = true;
        return true;
      }
      const dataStart = lineEnd + 2;
      if (this.buffer.length < dataStart + size + 2) return false;
      this.chunks.push(this.buffer.subarray(dataStart, dataStart + size));
      this.chunkOffset = dataStart + size + 2;
    }
  }
}
