/**
 * A connection to an http(s) target through an HTTP proxy, made as Go's Transport makes it: to
 * the proxy (TLS for an https:// proxy, verified against the proxy's own name), then, for an
 * https target, a CONNECT tunnel and TLS with the target inside it (SNI and verification are the
 * target's). Timed like dial(): resolve is the proxy's name, connect the TCP connect to the proxy
 * plus the CONNECT until the proxy's 200, tls every handshake (the proxy's and the target's).
 * The proxy's password and the CONNECT header values never appear in an error.
 */
import {
  abortable,
  type Dialed,
  dial,
  type IpProtocol,
  startTls,
  type TlsSettings,
} from "./dial.ts";

export interface ProxyRoute {
  /** The proxy: http: or https:, its user:password@ sent as Proxy-Authorization. */
  proxy: URL;
  /** CONNECT's host:port, for an https target. */
  tunnelTo: string;
  /** proxy_connect_header lines, sent on CONNECT only. */
  connectHeaders: [string, string][];
}

/** The proxy as errors name it: host:port, never its user:password@. */
export function proxyName(proxy: URL): string {
  return `${proxy.hostname}:${proxy.port || (proxy.protocol === "https:" ? 443 : 80)}`;
}

/** Go's connectMethod.proxyAuth: Basic credentials from the proxy URL's user:password@. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  let userinfo: string;
  try {
    userinfo = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  } catch {
    throw new Error(`proxy ${proxyName(proxy)}: user:password@ is not valid percent-encoding`);
  }
  return `Basic ${Buffer.from(userinfo).toString("base64")}`;
}

interface ConnectAnswer {
  code: string;
  reason: string;
  /** Bytes received behind the answer's head. */
  after: number;
}

/** Reads the proxy's answer to CONNECT: its status code and reason. */
function connectResponse(socket: Dialed["socket"]): Promise<ConnectAnswer> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const done = (settle: () => void) => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", reject);
      settle();
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) {
        if (buffer.length > 64 * 1024)
          done(() => reject(new Error("CONNECT response headers larger than 64 KiB")));
        return;
      }
      const line = buffer.subarray(0, buffer.indexOf("\r\n")).toString("latin1");
      const match = /^HTTP\/\d\.\d (\d{3})(?: (.*))?$/.exec(line);
      done(() =>
        match
          ? resolve({
              code: match[1] as string,
              reason: match[2] ?? "",
              after: buffer.length - end - 4,
            })
          : reject(new Error(`not an HTTP response to CONNECT: "${line.slice(0, 60)}"`)),
      );
    };
    const onEnd = () =>
      done(() => reject(new Error("connection closed before the CONNECT response")));
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("error", reject);
  });
}

export async function dialThroughProxy(options: {
  route: ProxyRoute;
  /** The target's host (TLS name) and port. */
  host: string;
  port: number;
  /** The target's TLS; undefined for an http target. */
  tls: TlsSettings | undefined;
  /** tls_config, for an https:// proxy too (CA, client certificate, versions), as Go's Transport. */
  proxyTls: TlsSettings;
  signal: AbortSignal;
}): Promise<Dialed> {
  const { route, signal } = options;
  const name = proxyName(route.proxy);
  const secureProxy = route.proxy.protocol === "https:";
  if (!secureProxy && route.proxy.protocol !== "http:")
    throw new Error(
      `proxy ${name}: ${route.proxy.protocol.slice(0, -1)} proxies are not supported (http:// and https:// are)`,
    );
  const authorization = proxyAuthorization(route.proxy);
  // server_name is the target's; the proxy is verified against its own name.
  const { serverName: _targetName, ...proxyTls } = options.proxyTls;
  // The proxy is reached by whichever family its name resolves to first, as Go's dialer.
  const anyFamily: IpProtocol = { preferred: "auto", fallback: true };
  let first: Dialed;
  try {
    first = await dial({
      host: route.proxy.hostname,
      port: Number(route.proxy.port) || (secureProxy ? 443 : 80),
      tls: secureProxy ? proxyTls : undefined,
      ipProtocol: anyFamily,
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new Error(`proxy ${name}: ${(error as Error).message}`);
  }
  const { socket } = first;
  try {
    // Credentials and connect headers go to a verified proxy only.
    if (first.tls && !first.tls.authorized && !proxyTls.insecureSkipVerify)
      throw new Error(
        `proxy ${name}: TLS certificate not trusted: ${first.tls.authorizationError}`,
      );
    if (!options.tls) return { ...first, tls: undefined };
    const started = performance.now();
    const given = new Set(route.connectHeaders.map(([header]) => header.toLowerCase()));
    let head = `CONNECT ${route.tunnelTo} HTTP/1.1\r\nHost: ${route.tunnelTo}\r\n`;
    if (!given.has("user-agent")) head += "User-Agent: opsctl-exporter\r\n";
    // The proxy URL's credentials replace a Proxy-Authorization given here, as Go's Set.
    for (const [header, value] of route.connectHeaders)
      if (!(authorization && header.toLowerCase() === "proxy-authorization"))
        head += `${header}: ${value}\r\n`;
    if (authorization) head += `Proxy-Authorization: ${authorization}\r\n`;
    socket.write(`${head}\r\n`);
    let answer: ConnectAnswer;
    try {
      answer = await abortable(connectResponse(socket), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new Error(`proxy ${name}: CONNECT ${route.tunnelTo}: ${(error as Error).message}`);
    }
    // Go accepts 200 only.
    if (answer.code !== "200")
      throw new Error(
        `proxy ${name}: CONNECT ${route.tunnelTo}: ${answer.code} ${answer.reason}`.trimEnd(),
      );
    // The target speaks only after the TLS client: these are the proxy's, and would be lost.
    if (answer.after > 0)
      throw new Error(
        `proxy ${name}: CONNECT ${route.tunnelTo}: ${answer.after} bytes after its 200 response, before TLS`,
      );
    const tunnelled = performance.now();
    let secured: Awaited<ReturnType<typeof startTls>>;
    try {
      secured = await startTls(socket, options.host, options.tls, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new Error(
        `TLS handshake with ${options.host}:${options.port} (through proxy ${name}): ${(error as Error).message}`,
      );
    }
    return {
      ...first,
      socket: secured.socket,
      connectSeconds: first.connectSeconds + (tunnelled - started) / 1000,
      tlsSeconds: first.tlsSeconds + (performance.now() - tunnelled) / 1000,
      tls: secured.state,
    };
  } catch (error) {
    socket.destroy();
    throw error;
  }
}
