/** Settings and metrics several kinds share (preferred_ip_protocol, cert expiry; tls_config in tls-config.ts). */

import { isIP } from "node:net";
import { bool, optString, type Raw } from "../fields.ts";
import { earliestExpiry } from "../net/certs.ts";
import type { IpProtocol, TlsSettings, TlsState } from "../net/dial.ts";
import type { DetailMetric, ResultSink } from "../types.ts";

export function parseIpProtocol(raw: Raw, where: string): IpProtocol {
  const value = optString(raw, "preferred_ip_protocol", where) ?? "auto";
  if (value !== "auto" && value !== "ip4" && value !== "ip6")
    throw new Error(`${where}.preferred_ip_protocol: "${value}" is not one of auto, ip4, ip6`);
  return { preferred: value, fallback: bool(raw, "ip_protocol_fallback", where, true) };
}

/**
 * blackbox's source_ip_address: the local address a probe's socket is bound to. An IP address as
 * Go's net.ParseIP takes one (no zone, no leading zeros); ::ffff:a.b.c.d is IPv4, as in Go.
 */
export function parseSourceIp(raw: Raw, where: string): string | undefined {
  const value = optString(raw, "source_ip_address", where);
  if (value === undefined || value === "") return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(value)?.[1];
  const address = mapped ?? value;
  if (address.includes("%") || !isIP(address))
    throw new Error(`${where}.source_ip_address: "${value}" is not an IP address`);
  return address;
}

export const tlsMetrics: Record<string, DetailMetric> = {
  ssl_earliest_cert_expiry: {
    help: "Unix time the first certificate of the chain expires.",
    type: "gauge",
  },
  tls_version_info: { help: "The TLS version used (label version), value 1.", type: "gauge" },
  tls_chain_verified: {
    help: "1 if the certificate chain verified against the trusted CAs and the host name.",
    type: "gauge",
  },
};

/** blackbox's getTLSVersion names (dashboards and alerts match on them), from Node's protocol names. */
const tlsVersionNames: Record<string, string> = {
  TLSv1: "TLS 1.0",
  "TLSv1.1": "TLS 1.1",
  "TLSv1.2": "TLS 1.2",
  "TLSv1.3": "TLS 1.3",
};

/** tls_version_info 1 with blackbox's version label ("unknown" for what it does not name). */
export function recordTlsVersion(tls: TlsState, result: ResultSink): void {
  result.set("tls_version_info", 1, { version: tlsVersionNames[tls.protocol] ?? "unknown" });
}

/** Records TLS facts; returns false (and the reason) when an unverified chain must fail. */
export function recordTls(
  tls: TlsState,
  settings: TlsSettings,
  result: ResultSink,
  minCertDays: number | undefined,
): boolean {
  recordTlsVersion(tls, result);
  result.set("tls_chain_verified", tls.authorized ? 1 : 0);
  if (tls.chain.length > 0) {
    const expiry = earliestExpiry(tls.chain);
    result.set("ssl_earliest_cert_expiry", expiry);
    const daysLeft = (expiry - Date.now() / 1000) / 86400;
    if (minCertDays !== undefined && daysLeft < minCertDays)
      return result.fail(
        `certificate expires in ${daysLeft.toFixed(1)} days (min_cert_days ${minCertDays})`,
      );
  }
  if (!tls.authorized && !settings.insecureSkipVerify)
    return result.fail(`TLS certificate not trusted: ${tls.authorizationError}`);
  return true;
}

/** host:port (IPv6 in brackets) -> parts, or an error naming the target. */
export function splitHostPort(target: string, where = "target"): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(target);
  const port = Number(match?.[2]);
  if (!match || !(port > 0 && port < 65536))
    throw new Error(`${where} "${target}": expected host:port`);
  return { host: match[1] as string, port };
}
