/**
 * dns: ask a DNS server (the target, blackbox-style) for a name; check the rcode and the records
 * of the answer, authority and additional sections as blackbox_exporter's prober/dns.go does.
 */
import { promises as dns } from "node:dns";
import type { lookup } from "node:dns/promises";
import { bool, onlyKeys, optString, type Raw, stringList } from "../fields.ts";
import { type IpProtocol, resolveHost, type TlsSettings } from "../net/dial.ts";
import { type DnsServerAddress, exchange } from "../net/dns-exchange.ts";
import { rrTypes } from "../net/dns-rdata.ts";
import {
  type DnsMessage,
  isRcodeName,
  knownRcodes,
  queryClasses,
  rcodeName,
} from "../net/dns-wire.ts";
import type { CheckKind } from "../types.ts";
import { parseRrValidator, type RrValidator, rrProblem } from "./dns-rrs.ts";
import { parseIpProtocol, parseSourceIp } from "./shared.ts";
import { parseTlsConfig } from "./tls-config.ts";

/** What a question may ask: the record types read, and ANY (255, blackbox_exporter's default). */
const queryTypes = { ...rrTypes, ANY: 255 } as const;
type QueryType = keyof typeof queryTypes;

export interface DnsSettings {
  queryName: string;
  queryType: QueryType;
  /** The question's class (query_class, IN unless set). */
  queryClass: string;
  validRcodes: string[];
  answer: RrValidator;
  authority: RrValidator;
  additional: RrValidator;
  failIfNoAnswer: boolean;
  /** The query's RD bit (recursion_desired, default true as in blackbox). */
  recursionDesired: boolean;
  /** The local address queries come from (source_ip_address). */
  sourceIp: string | undefined;
  /** udp (TCP again after a truncated answer) or tcp alone (transport_protocol). */
  transport: "udp" | "tcp";
  /** DNS over TLS (dns_over_tls, tcp only) and its tls_config. */
  dnsOverTls: boolean;
  tlsConfig: TlsSettings;
  /** How a server given by name is resolved (preferred_ip_protocol, ip_protocol_fallback). */
  ipProtocol: IpProtocol;
}

/** host, host:port, [v6] or [v6]:port; port 53 (853 over TLS) unless given. */
function splitServer(server: string, defaultPort: number): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(server);
  const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
  if (!match || !(port > 0 && port < 65536)) throw new Error("expected host or host:port");
  return { host: match[1] as string, port };
}

/** blackbox resolves a dns server preferring IPv6 when preferred_ip_protocol is unset. */
function parseDnsIpProtocol(raw: Raw, where: string): IpProtocol {
  const ipProtocol = parseIpProtocol(raw, where);
  return raw.preferred_ip_protocol == null ? { ...ipProtocol, preferred: "ip6" } : ipProtocol;
}

/**
 * A server given by name (kube-dns.kube-system.svc:53) is looked up first, in the family the
 * settings prefer; its address's family is the socket's.
 */
export async function dnsServerAddress(
  server: string,
  settings: Pick<DnsSettings, "ipProtocol" | "dnsOverTls">,
  signal: AbortSignal,
  lookupHost?: typeof lookup,
): Promise<DnsServerAddress> {
  const { host, port } = splitServer(server, settings.dnsOverTls ? 853 : 53);
  const { address, family } = await resolveHost(host, settings.ipProtocol, signal, lookupHost);
  return { address, family, port };
}

/** The name a DoT certificate must carry unless server_name says: the target's host, as blackbox. */
function tlsServerName(target: string, server: DnsServerAddress): string {
  if (target === "" || target === "system") return server.address;
  return splitServer(target, 853).host.replace(/^\[(.*)\]$/, "$1");
}

/** "system" (or empty): the name servers of /etc/resolv.conf, in order. */
function systemServers(): DnsServerAddress[] {
  return new dns.Resolver().getServers().map((entry) => {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed)
      return { address: bracketed[1] as string, family: 6, port: Number(bracketed[2] ?? 53) };
    if (entry.includes(":") && entry.indexOf(":") !== entry.lastIndexOf(":"))
      return { address: entry, family: 6, port: 53 };
    const [address, port] = entry.split(":");
    return { address: address as string, family: 4, port: Number(port ?? 53) };
  });
}

const sections = [
  ["answer", "answer"],
  ["authority", "authority record"],
  ["additional", "additional record"],
] as const;

export const dnsCheck: CheckKind<DnsSettings> = {
  kind: "dns",
  description: "DNS query against a server (target host[:port], or 'system'): rcode and records",
  parse(raw, where) {
    onlyKeys(
      raw,
      [
        "query_name",
        "query_type",
        "query_class",
        "valid_rcodes",
        "validate_answer_rrs",
        "validate_authority_rrs",
        "validate_additional_rrs",
        "fail_if_no_answer",
        "preferred_ip_protocol",
        "ip_protocol_fallback",
        "source_ip_address",
        "recursion_desired",
        "transport_protocol",
        "dns_over_tls",
        "tls_config",
      ],
      where,
    );
    const queryType = (optString(raw, "query_type", where) ?? "A").toUpperCase() as QueryType;
    if (!Object.hasOwn(queryTypes, queryType))
      throw new Error(
        `${where}.query_type: "${queryType}" is not one of ${Object.keys(queryTypes).join(", ")}`,
      );
    const queryClass = (optString(raw, "query_class", where) || "IN").toUpperCase();
    if (!Object.hasOwn(queryClasses, queryClass))
      throw new Error(
        `${where}.query_class: "${queryClass}" is not one of ${Object.keys(queryClasses).join(", ")}`,
      );
    const transport = optString(raw, "transport_protocol", where) || "udp";
    if (transport !== "udp" && transport !== "tcp")
      throw new Error(`${where}.transport_protocol: "${transport}" is not one of udp, tcp`);
    const dnsOverTls = bool(raw, "dns_over_tls", where, false);
    // blackbox fails every probe of such a module (expected transport protocol tcp for DoT).
    if (dnsOverTls && transport !== "tcp")
      throw new Error(`${where}.dns_over_tls: needs transport_protocol: tcp (it is ${transport})`);
    const queryName = optString(raw, "query_name", where);
    if (!queryName) throw new Error(`${where}.query_name: required`);
    const validRcodes = stringList(raw, "valid_rcodes", where).map((code) => code.toUpperCase());
    // A misspelt code would never match: every answer would fail the check.
    const unknown = validRcodes.find((code) => !isRcodeName(code));
    if (unknown !== undefined)
      throw new Error(
        `${where}.valid_rcodes: "${unknown}" is not one of ${knownRcodes.join(", ")} (or RCODE<n>)`,
      );
    return {
      queryName,
      queryType,
      queryClass,
      validRcodes: validRcodes.length > 0 ? validRcodes : ["NOERROR"],
      answer: parseRrValidator(raw, "validate_answer_rrs", where),
      authority: parseRrValidator(raw, "validate_authority_rrs", where),
      additional: parseRrValidator(raw, "validate_additional_rrs", where),
      failIfNoAnswer: bool(raw, "fail_if_no_answer", where, false),
      sourceIp: parseSourceIp(raw, where),
      transport,
      dnsOverTls,
      tlsConfig: parseTlsConfig(raw, where),
      recursionDesired: bool(raw, "recursion_desired", where, true),
      ipProtocol: parseDnsIpProtocol(raw, where),
    };
  },
  metrics: {
    dns_lookup_time_seconds: { help: "Seconds the query took.", type: "gauge" },
    dns_answer_rrs: { help: "Records in the answer section.", type: "gauge" },
    dns_authority_rrs: { help: "Records in the authority section.", type: "gauge" },
    dns_additional_rrs: { help: "Records in the additional section.", type: "gauge" },
    dns_rcode_info: { help: "The response code (label rcode), value 1.", type: "gauge" },
    ip_protocol: { help: "IP protocol the server was asked over: 4 or 6.", type: "gauge" },
  },
  async run({ target, settings, result, signal }) {
    let servers: DnsServerAddress[];
    if (target === "" || target === "system") servers = systemServers();
    else {
      try {
        servers = [await dnsServerAddress(target, settings, signal)];
      } catch (error) {
        if (signal.aborted) throw error;
        return result.fail(`DNS server "${target}": ${(error as Error).message}`);
      }
    }
    const started = performance.now();
    let response: DnsMessage | undefined;
    let lastError = new Error("no name server in /etc/resolv.conf");
    // The next system server is asked only when one cannot be reached (as the resolver does).
    for (const server of servers) {
      try {
        response = await exchange(
          server,
          {
            name: settings.queryName,
            type: queryTypes[settings.queryType],
            recursionDesired: settings.recursionDesired,
            class: queryClasses[settings.queryClass] as number,
          },
          signal,
          {
            protocol: settings.transport,
            localAddress: settings.sourceIp,
            tls: settings.dnsOverTls
              ? { settings: settings.tlsConfig, serverName: tlsServerName(target, server) }
              : undefined,
          },
        );
        result.set("ip_protocol", server.family);
        break;
      } catch (error) {
        if (signal.aborted) throw error;
        lastError = error as Error;
      }
    }
    result.set("dns_lookup_time_seconds", (performance.now() - started) / 1000);
    if (!response)
      return result.fail(`query ${settings.queryName} ${settings.queryType}: ${lastError.message}`);
    const rcode = rcodeName(response.rcode);
    result.set("dns_answer_rrs", response.answer.length);
    result.set("dns_authority_rrs", response.authority.length);
    result.set("dns_additional_rrs", response.additional.length);
    result.set("dns_rcode_info", 1, { rcode });
    let ok = true;
    if (!settings.validRcodes.includes(rcode))
      ok = result.fail(`rcode ${rcode} is not one of ${settings.validRcodes.join(", ")}`);
    if (settings.failIfNoAnswer && response.answer.length === 0)
      ok = result.fail("no answer records");
    for (const [section, noun] of sections) {
      const records = response[section].map((record) => record.text);
      const problem = rrProblem(noun, records, settings[section]);
      if (problem) ok = result.fail(problem);
    }
    return ok;
  },
};
