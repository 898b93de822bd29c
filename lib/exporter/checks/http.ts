/** http: status, latency per phase, body and header regexes, redirects, TLS chain and expiry. */
import {
  bool,
  isMapping,
  numberList,
  onlyKeys,
  optNumber,
  optSize,
  optString,
  type Raw,
  regex,
  regexList,
  regexText,
  stringList,
} from "../fields.ts";
import { type IpProtocol, resolveHost, type TlsSettings } from "../net/dial.ts";
import { httpRequest, UntrustedServer } from "../net/http1.ts";
import type { ProxyRoute } from "../net/proxy-dial.ts";
import type { CheckKind } from "../types.ts";
import {
  authorizationHeader,
  type HttpAuthorization,
  parseHttpAuthorization,
} from "./http-auth.ts";
import {
  type AddedHeader,
  addedHeaderLines,
  parseHeaders,
  parseHttpHeaders,
} from "./http-headers.ts";
import { type HttpProxySettings, parseHttpProxy, proxyKeys, proxyRoute } from "./http-proxy.ts";
import { parseIpProtocol, recordTls, tlsMetrics } from "./shared.ts";
import { parseTlsConfig } from "./tls-config.ts";

interface HeaderMatch {
  header: string;
  regexp: RegExp;
  allowMissing: boolean;
}

export interface HttpSettings {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  validStatusCodes: number[];
  validHttpVersions: string[];
  followRedirects: boolean;
  maxRedirects: number;
  failIfSsl: boolean;
  failIfNotSsl: boolean;
  failIfBodyMatches: RegExp[];
  failIfBodyNotMatches: RegExp[];
  failIfHeaderMatches: HeaderMatch[];
  failIfHeaderNotMatches: HeaderMatch[];
  tls: TlsSettings;
  ipProtocol: IpProtocol;
  minCertDays: number | undefined;
  maxBodyBytes: number;
  /** Authorization header's parts, or files to read them from at each run (rotated secrets). */
  authorization: HttpAuthorization | undefined;
  /** prometheus/common's http_headers, added to every request. */
  httpHeaders: AddedHeader[];
  /** proxy_url / proxy_from_environment and the keys that go with them; undefined: direct. */
  proxy: HttpProxySettings | undefined;
}

const keys = [
  "method",
  "headers",
  "body",
  "valid_status_codes",
  "valid_http_versions",
  "follow_redirects",
  "no_follow_redirects",
  "max_redirects",
  "fail_if_ssl",
  "fail_if_not_ssl",
  "fail_if_body_matches_regexp",
  "fail_if_body_not_matches_regexp",
  "fail_if_header_matches",
  "fail_if_header_not_matches",
  "tls_config",
  "preferred_ip_protocol",
  "ip_protocol_fallback",
  "min_cert_days",
  "max_body_bytes",
  "authorization",
  "basic_auth",
  "enable_http2",
  "http_headers",
  "bearer_token",
  "bearer_token_file",
  ...proxyKeys,
] as const;

function headerMatches(raw: Raw, key: string, where: string): HeaderMatch[] {
  const value = raw[key] ?? [];
  if (!Array.isArray(value)) throw new Error(`${where}.${key}: expected a list`);
  return value.map((item, index) => {
    const at = `${where}.${key}[${index}]`;
    if (!isMapping(item)) throw new Error(`${at}: expected {header, regexp}`);
    onlyKeys(item, ["header", "regexp", "allow_missing"], at);
    const header = optString(item, "header", at);
    const text = optString(item, "regexp", at);
    if (!header || text === undefined) throw new Error(`${at}: needs header and regexp`);
    return {
      header: header.toLowerCase(),
      regexp: regex(text, `${at}.regexp`),
      allowMissing: bool(item, "allow_missing", at, false),
    };
  });
}

/** Headers a redirect to another origin must not carry (Go's client drops them the same way). */
const credentialHeaders = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "cookie2",
  "www-authenticate",
]);

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !credentialHeaders.has(name.toLowerCase())),
  );
}

export const httpCheck: CheckKind<HttpSettings> = {
  kind: "http",
  description: "HTTP(S) request: status, phases, body/header regexes, redirects, certificate",
  parse(raw, where) {
    onlyKeys(raw, keys, where);
    // net/http1.ts offers no ALPN h2: false is what happens anyway; true would be ignored.
    if (bool(raw, "enable_http2", where, false))
      throw new Error(
        `${where}.enable_http2: true is not supported: the http check speaks HTTP/1.1 only (set false or leave it out)`,
      );
    return {
      method: (optString(raw, "method", where) ?? "GET").toUpperCase(),
      headers: parseHeaders(raw, where),
      body: optString(raw, "body", where),
      validStatusCodes: numberList(raw, "valid_status_codes", where),
      validHttpVersions: stringList(raw, "valid_http_versions", where).map((v) =>
        v.replace(/^HTTP\//, ""),
      ),
      followRedirects:
        bool(raw, "follow_redirects", where, true) &&
        !bool(raw, "no_follow_redirects", where, false),
      maxRedirects: optNumber(raw, "max_redirects", where) ?? 10,
      failIfSsl: bool(raw, "fail_if_ssl", where, false),
      failIfNotSsl: bool(raw, "fail_if_not_ssl", where, false),
      failIfBodyMatches: regexList(raw, "fail_if_body_matches_regexp", where),
      failIfBodyNotMatches: regexList(raw, "fail_if_body_not_matches_regexp", where),
      failIfHeaderMatches: headerMatches(raw, "fail_if_header_matches", where),
      failIfHeaderNotMatches: headerMatches(raw, "fail_if_header_not_matches", where),
      tls: parseTlsConfig(raw, where),
      ipProtocol: parseIpProtocol(raw, where),
      minCertDays: optNumber(raw, "min_cert_days", where),
      maxBodyBytes: optSize(raw, "max_body_bytes", where) ?? 10 * 1024 * 1024,
      authorization: parseHttpAuthorization(raw, where),
      httpHeaders: parseHttpHeaders(raw, where),
      proxy: parseHttpProxy(raw, where),
    };
  },
  validateTarget(target) {
    try {
      const url = new URL(target);
      if (url.protocol !== "http:" && url.protocol !== "https:") return "expected an http(s) URL";
    } catch {
      return "not a URL";
    }
    return undefined;
  },
  metrics: {
    http_status_code: { help: "Response HTTP status code.", type: "gauge" },
    http_version: { help: "HTTP version of the response.", type: "gauge" },
    http_content_length: { help: "Length of the response body in bytes.", type: "gauge" },
    http_redirects: { help: "Number of redirects followed.", type: "gauge" },
    http_ssl: { help: "1 if the final response came over TLS.", type: "gauge" },
    http_duration_seconds: {
      help: "Seconds per phase of the request (resolve, connect, tls, processing, transfer), summed over redirects.",
      type: "gauge",
    },
    failed_due_to_regex: { help: "1 if a body or header regex failed the check.", type: "gauge" },
    ip_protocol: { help: "IP protocol used: 4 or 6.", type: "gauge" },
    ...tlsMetrics,
  },
  async run({ target, settings, result, signal }) {
    const phases = { resolve: 0, connect: 0, tls: 0, processing: 0, transfer: 0 };
    const reportPhases = () => {
      for (const [phase, seconds] of Object.entries(phases))
        result.set("http_duration_seconds", seconds, { phase });
    };
    const headers = { ...settings.headers };
    let url = new URL(target);
    // An Authorization in `headers` (any case: Go's header keys are canonical) is kept, as
    // prometheus/common's round trippers add credentials only to a request without one.
    const hasAuthorization = Object.keys(headers).some((n) => n.toLowerCase() === "authorization");
    if (settings.authorization && !hasAuthorization) {
      try {
        headers.Authorization = await authorizationHeader(settings.authorization);
      } catch (error) {
        return result.fail(`credentials: ${(error as Error).message}`);
      }
    }
    let addedHeaders: [string, string][];
    try {
      addedHeaders = await addedHeaderLines(settings.httpHeaders);
    } catch (error) {
      return result.fail((error as Error).message);
    }
    const elsewhereHeaders = withoutCredentials(settings.headers);
    // user:password@ in the target is basic auth (as Go's client does), unless one is configured.
    if ((url.username || url.password) && !hasAuthorization && !settings.authorization) {
      let userinfo: string;
      try {
        userinfo = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      } catch {
        return result.fail("the target's user:password@ is not valid percent-encoding");
      }
      headers.Authorization = `Basic ${Buffer.from(userinfo).toString("base64")}`;
    }
    const origin = url.origin;
    const targetHost = url.host;
    let targetAddress: { address: string; family: 4 | 6 } | undefined;
    let redirects = 0;
    let method = settings.method;
    let body = settings.body;
    for (;;) {
      let route: ProxyRoute | undefined;
      let resolved: typeof targetAddress;
      if (settings.proxy) {
        const proxy = settings.proxy;
        try {
          // As blackbox: the target's name is resolved here (the resolve phase) and its address
          // is what no_proxy sees and CONNECT asks for, unless skip_resolve_phase_with_proxy.
          // A relative redirect keeps that address; other hosts go to the proxy by name.
          if (!proxy.skipResolve && url.host === targetHost) {
            if (!targetAddress) {
              const started = performance.now();
              targetAddress = await resolveHost(url.hostname, settings.ipProtocol, signal);
              phases.resolve += (performance.now() - started) / 1000;
            }
            resolved = targetAddress;
          }
          route = proxyRoute(proxy, url, resolved, process.env);
        } catch (error) {
          reportPhases();
          result.set("http_redirects", redirects);
          if (signal.aborted) throw error;
          return result.fail((error as Error).message);
        }
      }
      let response: Awaited<ReturnType<typeof httpRequest>>;
      try {
        response = await httpRequest({
          url,
          method,
          // Credentials go to the configured origin only, never to where a redirect points.
          headers: url.origin === origin ? headers : elsewhereHeaders,
          // As common's round tripper adds them: on every request, wherever it goes.
          addedHeaders,
          body,
          tls: settings.tls,
          ipProtocol: settings.ipProtocol,
          signal,
          maxBodyBytes: settings.maxBodyBytes,
          proxy: route,
          // Resolved here for no_proxy, and no proxy applies: not looked up twice.
          resolved: route ? undefined : resolved,
        });
      } catch (error) {
        if (error instanceof UntrustedServer) {
          const { dialed } = error;
          phases.resolve += dialed.resolveSeconds;
          phases.connect += dialed.connectSeconds;
          phases.tls += dialed.tlsSeconds;
          recordTls(dialed.tls, settings.tls, result, settings.minCertDays);
        }
        reportPhases();
        result.set("http_redirects", redirects);
        if (signal.aborted) throw error;
        return result.fail((error as Error).message);
      }
      const { dialed } = response;
      phases.resolve += dialed.resolveSeconds;
      phases.connect += dialed.connectSeconds;
      phases.tls += dialed.tlsSeconds;
      phases.processing += response.processingSeconds;
      phases.transfer += response.transferSeconds;
      const location = response.headers.find(([name]) => name.toLowerCase() === "location")?.[1];
      const isRedirect = response.status >= 300 && response.status < 400 && location;
      if (settings.followRedirects && isRedirect) {
        if (++redirects > settings.maxRedirects) {
          reportPhases();
          result.set("http_redirects", redirects - 1);
          return result.fail(`more than ${settings.maxRedirects} redirects`);
        }
        url = new URL(location, url);
        if (
          response.status === 303 ||
          ((response.status === 301 || response.status === 302) && method === "POST")
        ) {
          method = "GET";
          body = undefined;
        }
        continue;
      }
      reportPhases();
      // Through a proxy, the family of the target's address when it was resolved here.
      return judge(response, url, redirects, resolved?.family ?? response.dialed.family);
    }

    function judge(
      response: Awaited<ReturnType<typeof httpRequest>>,
      url: URL,
      redirects: number,
      family: 4 | 6,
    ): boolean {
      const { dialed } = response;
      result.set("http_status_code", response.status);
      result.set("http_version", Number(response.httpVersion));
      result.set("http_content_length", response.body.length);
      result.set("http_redirects", redirects);
      result.set("ip_protocol", family);
      const isTls = url.protocol === "https:";
      result.set("http_ssl", isTls ? 1 : 0);
      let ok = true;
      if (dialed.tls && !recordTls(dialed.tls, settings.tls, result, settings.minCertDays))
        ok = false;
      const codes = settings.validStatusCodes;
      const statusOk =
        codes.length === 0
          ? response.status >= 200 && response.status < 300
          : codes.includes(response.status);
      if (!statusOk) ok = result.fail(`status ${response.status} is not in the valid status codes`);
      if (
        settings.validHttpVersions.length > 0 &&
        !settings.validHttpVersions.includes(response.httpVersion)
      )
        ok = result.fail(`HTTP version ${response.httpVersion} is not valid`);
      if (settings.failIfSsl && isTls)
        ok = result.fail("final response came over TLS (fail_if_ssl)");
      if (settings.failIfNotSsl && !isTls)
        ok = result.fail("final response did not come over TLS (fail_if_not_ssl)");
      let regexFailed = false;
      const text = response.body.toString("utf8");
      for (const re of settings.failIfBodyMatches)
        if (re.test(text)) regexFailed = !result.fail(`body matched ${regexText(re)}`);
      for (const re of settings.failIfBodyNotMatches)
        if (!re.test(text)) regexFailed = !result.fail(`body did not match ${regexText(re)}`);
      const values = (name: string) =>
        response.headers.filter(([key]) => key.toLowerCase() === name).map(([, value]) => value);
      for (const rule of settings.failIfHeaderMatches) {
        const found = values(rule.header);
        if (found.length === 0 && !rule.allowMissing)
          regexFailed = !result.fail(`header ${rule.header} missing`);
        if (found.some((value) => rule.regexp.test(value)))
          regexFailed = !result.fail(`header ${rule.header} matched ${regexText(rule.regexp)}`);
      }
      for (const rule of settings.failIfHeaderNotMatches) {
        const found = values(rule.header);
        if (found.length === 0 && !rule.allowMissing)
          regexFailed = !result.fail(`header ${rule.header} missing`);
        else if (found.length > 0 && !found.some((value) => rule.regexp.test(value)))
          regexFailed = !result.fail(
            `header ${rule.header} did not match ${regexText(rule.regexp)}`,
          );
      }
      result.set("failed_due_to_regex", regexFailed ? 1 : 0);
      return ok && !regexFailed;
    }
  },
};
