/** "host:port", ":port" (all interfaces) or "[v6]:port" -> Bun.serve's hostname and port. */
export function parseListenAddress(text: string): { hostname: string; port: number } {
  const match = /^(\[[^\]]*\]|[^:]*):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || !(port >= 0 && port < 65536))
    throw new Error(`listen address "${text}": expected host:port, :port or [v6]:port`);
  const host = (match[1] ?? "").replace(/^\[(.*)\]$/, "$1");
  return { hostname: host === "" ? "0.0.0.0" : host, port };
}
