/**
 * The http check's proxy keys as prometheus/common reads them for blackbox_exporter
 * (config/http_config.go ProxyConfig): proxy_url, no_proxy, proxy_from_environment,
 * proxy_connect_header; and blackbox's skip_resolve_phase_with_proxy. The proxy URL's password
 * and the connect header values are secrets: no message ever quotes them.
 */
import { bool, isMapping, mapping, optString, type Raw, stringList } from "../fields.ts";
import { defaultPort } from "../net/http1.ts";
import type { ProxyRoute } from "../net/proxy-dial.ts";
import { type ProxyRules, proxyForUrl, rulesFromEnvironment } from "../net/proxy-rules.ts";
import { validHeaderName, validHeaderValue } from "./http-headers.ts";

export interface HttpProxySettings {
  /** proxy_url; undefined when unset or empty (common: no proxy). */
  url: URL | undefined;
  noProxy: string;
  fromEnvironment: boolean;
  /** proxy_connect_header, one line per value: sent on CONNECT only. */
  connectHeaders: [string, string][];
  /** blackbox's skip_resolve_phase_with_proxy: the target's name goes to the proxy unresolved. */
  skipResolve: boolean;
}

export const proxyKeys = [
  "proxy_url",
  "no_proxy",
  "proxy_from_environment",
  "proxy_connect_header",
  "skip_resolve_phase_with_proxy",
] as const;

/** proxy_url read as a URL this client can speak to: http:// or https://, with a host. */
function proxyUrl(text: string, at: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${at}: not a URL (its text is not shown: it may hold a password)`);
  }
  if (url.protocol === "socks5:" || url.protocol === "socks5h:")
    throw new Error(`${at}: socks5 proxies are not supported: use an http:// or https:// proxy`);
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`${at}: a proxy URL starts with http:// or https://`);
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    throw new Error(`${at}: its user:password@ is not valid percent-encoding`);
  }
  return url;
}

function connectHeaders(raw: Raw, where: string): [string, string][] {
  const at = `${where}.proxy_connect_header`;
  const lines: [string, string][] = [];
  const headers = mapping(raw, "proxy_connect_header", where);
  for (const name of Object.keys(headers)) {
    if (!validHeaderName(name))
      throw new Error(`${at}: ${JSON.stringify(name)} is not a valid header name`);
    if (isMapping(headers[name])) throw new Error(`${at}.${name}: expected a list of values`);
    stringList(headers, name, at).forEach((value, index) => {
      if (!validHeaderValue(value))
        throw new Error(`${at}.${name}[${index}]: not a valid header value (control characters)`);
      lines.push([name, value]);
    });
  }
  return lines;
}

/** The proxy keys; undefined when no proxy is configured (the check then connects directly). */
export function parseHttpProxy(raw: Raw, where: string): HttpProxySettings | undefined {
  const urlText = optString(raw, "proxy_url", where);
  const url = urlText ? proxyUrl(urlText, `${where}.proxy_url`) : undefined;
  const noProxy = optString(raw, "no_proxy", where) ?? "";
  const fromEnvironment = bool(raw, "proxy_from_environment", where, false);
  const headers = connectHeaders(raw, where);
  const skipResolve = bool(raw, "skip_resolve_phase_with_proxy", where, false);
  // common's ProxyConfig.Validate, in its order and words.
  if (
    Object.keys(mapping(raw, "proxy_connect_header", where)).length > 0 &&
    !fromEnvironment &&
    !url
  )
    throw new Error(
      `${where}: if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured`,
    );
  if (fromEnvironment && url)
    throw new Error(
      `${where}: if proxy_from_environment is configured, proxy_url must not be configured`,
    );
  if (fromEnvironment && noProxy !== "")
    throw new Error(
      `${where}: if proxy_from_environment is configured, no_proxy must not be configured`,
    );
  if (urlText === undefined && noProxy !== "")
    throw new Error(`${where}: if no_proxy is configured, proxy_url must also be configured`);
  if (!url && !fromEnvironment) return undefined;
  return { url, noProxy, fromEnvironment, connectHeaders: headers, skipResolve };
}

/**
 * The proxy for a request to `url` (undefined: direct), as common's ProxyConfig.Proxy: the
 * environment's rules, or proxy_url for every request unless no_proxy is set, when httpproxy's
 * rules apply (so loopback and localhost go direct). Throws httpproxy's CGI refusal.
 */
function proxyFor(
  settings: HttpProxySettings,
  url: URL,
  env: Record<string, string | undefined>,
): URL | undefined {
  if (settings.fromEnvironment) return proxyForUrl(rulesFromEnvironment(env), url);
  if (!settings.url) return undefined;
  if (settings.noProxy === "") return settings.url;
  const rules: ProxyRules = {
    httpProxy: settings.url.href,
    httpsProxy: settings.url.href,
    noProxy: settings.noProxy,
    cgi: false,
  };
  return proxyForUrl(rules, url);
}

/**
 * How a request to `url` goes out: through which proxy (undefined: directly). With `resolved`
 * (the target's address, looked up by the check as blackbox does), no_proxy and CONNECT see the
 * address, not the name.
 */
export function proxyRoute(
  settings: HttpProxySettings,
  url: URL,
  resolved: { address: string; family: 4 | 6 } | undefined,
  env: Record<string, string | undefined>,
): ProxyRoute | undefined {
  const asked = new URL(url.href);
  if (resolved) asked.hostname = resolved.family === 6 ? `[${resolved.address}]` : resolved.address;
  const proxy = proxyFor(settings, asked, env);
  if (!proxy) return undefined;
  return {
    proxy,
    tunnelTo: `${asked.hostname}:${defaultPort(asked)}`,
    connectHeaders: settings.connectHeaders,
  };
}
