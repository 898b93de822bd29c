/**
 * Which proxy a request goes through, decided as golang.org/x/net/http/httpproxy decides it for
 * prometheus/common (no_proxy with proxy_url, and proxy_from_environment): HTTP_PROXY for http
 * targets, HTTPS_PROXY for https ones, NO_PROXY's hosts, domains, IPs and CIDRs bypass, and
 * localhost and loopback addresses are never proxied. Pure: nothing here dials or reads the env.
 */
import { isIP } from "node:net";
import { domainToASCII } from "node:url";

export interface ProxyRules {
  /** The values of HTTP_PROXY, HTTPS_PROXY and NO_PROXY, as written. */
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
  /** REQUEST_METHOD is set: HTTP_PROXY may come from a request's Proxy header (httpoxy). */
  cgi: boolean;
}

/** httpproxy.FromEnvironment: each upper-case name first, then its lower-case one; "" is unset. */
export function rulesFromEnvironment(env: Record<string, string | undefined>): ProxyRules {
  const first = (...names: string[]) => names.map((name) => env[name]).find((v) => v) ?? "";
  return {
    httpProxy: first("HTTP_PROXY", "http_proxy"),
    httpsProxy: first("HTTPS_PROXY", "https_proxy"),
    noProxy: first("NO_PROXY", "no_proxy"),
    cgi: Boolean(env.REQUEST_METHOD),
  };
}

const knownSchemes = new Set(["http:", "https:", "socks5:"]);

function parsed(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** A proxy's URL; "host[:port]" is taken as http://host[:port]. Unparseable: no proxy. */
export function parseProxy(text: string): URL | undefined {
  if (text === "") return undefined;
  const url = parsed(text);
  if (url && knownSchemes.has(url.protocol)) return url;
  // "proxy.corp:3128" reads as scheme "proxy.corp": a scheme needs "://" to be kept.
  if (url && text.includes("://")) return url;
  return parsed(`http://${text}`) ?? url;
}

/** 4 bytes for IPv4 (and IPv4-mapped IPv6, as Go's To4), 16 for IPv6; undefined if not an IP. */
export function ipBytes(text: string): number[] | undefined {
  const bare = text.replace(/^\[(.*)\]$/, "$1");
  const family = bare.includes("%") ? 0 : isIP(bare);
  if (family === 4) return bare.split(".").map(Number);
  if (family !== 6) return undefined;
  let tail: number[] = [];
  let head = bare;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(bare)?.[1];
  if (v4) {
    tail = v4.split(".").map(Number);
    head = bare.slice(0, -v4.length);
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const words = (part: string) =>
    part === ""
      ? []
      : part
          .split(":")
          .flatMap((w) => [Number.parseInt(w, 16) >> 8, Number.parseInt(w, 16) & 0xff]);
  const [left = "", right] = head.split("::");
  const before = words(left);
  const after = [...(right === undefined ? [] : words(right)), ...tail];
  const bytes = [...before, ...new Array(16 - before.length - after.length).fill(0), ...after];
  const mapped =
    bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

function sameIp(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function isLoopback(ip: number[]): boolean {
  return ip.length === 4 ? ip[0] === 127 : sameIp(ip, [...new Array(15).fill(0), 1]);
}

interface Cidr {
  network: number[];
  bits: number;
}

/** Go's net.ParseCIDR: "addr/bits" with bits within the address's length. */
function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const ip = ipBytes(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(bitsText)) return undefined;
  // Go keeps an IPv4 written as ::ffff:a.b.c.d 16 bytes long here; 4 is what it compares to.
  const isV6Text = text.slice(0, slash).includes(":");
  const written = Number(bitsText);
  if (written > (isV6Text ? 128 : 32)) return undefined;
  const bits = isV6Text && ip.length === 4 ? Math.max(0, written - 96) : written;
  return { network: ip, bits };
}

function inCidr(cidr: Cidr, ip: number[]): boolean {
  if (cidr.network.length !== ip.length) return false;
  for (let bit = 0; bit < cidr.bits; bit++) {
    const mask = 0x80 >> (bit % 8);
    const index = Math.floor(bit / 8);
    if (((cidr.network[index] as number) & mask) !== ((ip[index] as number) & mask)) return false;
  }
  return true;
}

/** Go's net.SplitHostPort: undefined when there is no port (or too many colons). */
function splitHostPort(text: string): { host: string; port: string } | undefined {
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    if (end < 0 || text[end + 1] !== ":") return undefined;
    const port = text.slice(end + 2);
    return port.includes(":") ? undefined : { host: text.slice(1, end), port };
  }
  const colon = text.lastIndexOf(":");
  if (colon < 0 || text.slice(0, colon).includes(":")) return undefined;
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

function asciiName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
  if (/^[\x00-\x7f]*$/.test(name)) return name;
  // A leading dot is not part of a name domainToASCII accepts.
  const dot = name.startsWith(".") ? "." : "";
  return `${dot}${domainToASCII(name.slice(dot.length)) || name.slice(dot.length)}`;
}

type Matcher = (host: string, port: string, ip: number[] | undefined) => boolean;

interface NoProxy {
  ipMatchers: Matcher[];
  domainMatchers: Matcher[];
}

/** NO_PROXY's comma list, read as httpproxy does: malformed entries are skipped, never errors. */
function parseNoProxy(list: string): NoProxy {
  const ipMatchers: Matcher[] = [];
  const domainMatchers: Matcher[] = [];
  for (const raw of list.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return { ipMatchers: [() => true], domainMatchers: [() => true] };
    const cidr = parseCidr(entry);
    if (cidr) {
      ipMatchers.push((_h, _p, ip) => ip !== undefined && inCidr(cidr, ip));
      continue;
    }
    const split = splitHostPort(entry);
    if (split && split.host === "") continue;
    let host = split?.host ?? entry;
    const wantedPort = split?.port ?? "";
    const portOk = (port: string) => wantedPort === "" || wantedPort === port;
    const ip = ipBytes(host);
    if (ip) {
      ipMatchers.push(
        (_h, port, other) => other !== undefined && sameIp(ip, other) && portOk(port),
      );
      continue;
    }
    if (host.startsWith("*.")) host = host.slice(1);
    const matchesItself = !host.startsWith(".");
    const suffix = asciiName(matchesItself ? `.${host}` : host);
    domainMatchers.push(
      (name, port) =>
        (name.endsWith(suffix) || (matchesItself && name === suffix.slice(1))) && portOk(port),
    );
  }
  return { ipMatchers, domainMatchers };
}

const defaultPorts: Record<string, string> = { "http:": "80", "https:": "443", "socks5:": "1080" };

/** Whether a request to `url` goes through a proxy, by NO_PROXY and the loopback rule. */
function useProxy(noProxy: NoProxy, url: URL): boolean {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  const port = url.port || defaultPorts[url.protocol] || "";
  if (host === "localhost") return false;
  const ip = ipBytes(host);
  if (ip && isLoopback(ip)) return false;
  if (ip && noProxy.ipMatchers.some((match) => match(host, port, ip))) return false;
  return !noProxy.domainMatchers.some((match) => match(host, port, ip));
}

/**
 * The proxy for a request to `url`, or undefined for a direct connection. Throws in a CGI
 * environment when HTTP_PROXY would be used, as httpproxy does.
 */
export function proxyForUrl(rules: ProxyRules, url: URL): URL | undefined {
  let proxy: URL | undefined;
  if (url.protocol === "https:") proxy = parseProxy(rules.httpsProxy);
  else if (url.protocol === "http:") {
    proxy = parseProxy(rules.httpProxy);
    if (proxy && rules.cgi)
      throw new Error(
        "refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy",
      );
  }
  if (!proxy || !useProxy(parseNoProxy(rules.noProxy), url)) return undefined;
  return proxy;
}
