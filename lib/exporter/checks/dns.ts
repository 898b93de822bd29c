/** dns: ask a DNS server (the target, blackbox-style) for a name; check rcode and answers. */
import { promises as dns } from "node:dns";
import { bool, mapping, onlyKeys, optString, regexList, stringList } from "../fields.ts";
import { abortable, resolveHost } from "../net/dial.ts";
import type { CheckKind } from "../types.ts";

const queryTypes = ["A", "AAAA", "CNAME", "MX", "NS", "PTR", "SOA", "SRV", "TXT", "CAA"] as const;
type QueryType = (typeof queryTypes)[number];

export interface DnsSettings {
  queryName: string;
  queryType: QueryType;
  validRcodes: string[];
  failIfMatches: RegExp[];
  failIfNotMatches: RegExp[];
  failIfNoAnswer: boolean;
}

/** c-ares error codes -> DNS response codes, as far as they can be told apart. */
const rcodeOf: Record<string, string> = {
  ENOTFOUND: "NXDOMAIN",
  ENODATA: "NOERROR",
  ESERVFAIL: "SERVFAIL",
  EREFUSED: "REFUSED",
  ENOTIMP: "NOTIMP",
  EFORMERR: "FORMERR",
};

function render(answer: unknown): string {
  if (typeof answer === "string") return answer;
  if (Array.isArray(answer)) return answer.join("");
  if (answer && typeof answer === "object") return Object.values(answer).join(" ");
  return String(answer);
}

/** "system" (or empty) uses /etc/resolv.conf; anything else is a server, host[:port]. */
function serverOf(target: string): string | undefined {
  return target === "" || target === "system" ? undefined : target;
}

/** c-ares wants IP[:port]: a server given by name (kube-dns.kube-system.svc:53) is looked up first. */
async function serverAddress(server: string, signal: AbortSignal): Promise<string> {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(server);
  if (!match) throw new Error("expected host or host:port");
  const { address, family } = await resolveHost(match[1] as string, "auto", signal);
  const host = family === 6 ? `[${address}]` : address;
  return match[2] ? `${host}:${match[2]}` : host;
}

export const dnsCheck: CheckKind<DnsSettings> = {
  kind: "dns",
  description: "DNS query against a server (target host[:port], or 'system'): rcode and answers",
  parse(raw, where) {
    onlyKeys(
      raw,
      [
        "query_name",
        "query_type",
        "valid_rcodes",
        "validate_answer_rrs",
        "fail_if_no_answer",
        "preferred_ip_protocol",
      ],
      where,
    );
    const queryType = (optString(raw, "query_type", where) ?? "A").toUpperCase() as QueryType;
    if (!queryTypes.includes(queryType))
      throw new Error(`${where}.query_type: "${queryType}" is not one of ${queryTypes.join(", ")}`);
    const answers = mapping(raw, "validate_answer_rrs", where);
    const at = `${where}.validate_answer_rrs`;
    onlyKeys(answers, ["fail_if_matches_regexp", "fail_if_not_matches_regexp"], at);
    const queryName = optString(raw, "query_name", where);
    if (!queryName) throw new Error(`${where}.query_name: required`);
    const validRcodes = stringList(raw, "valid_rcodes", where).map((code) => code.toUpperCase());
    return {
      queryName,
      queryType,
      validRcodes: validRcodes.length > 0 ? validRcodes : ["NOERROR"],
      failIfMatches: regexList(answers, "fail_if_matches_regexp", at),
      failIfNotMatches: regexList(answers, "fail_if_not_matches_regexp", at),
      failIfNoAnswer: bool(raw, "fail_if_no_answer", where, false),
    };
  },
  metrics: {
    dns_lookup_time_seconds: { help: "Seconds the query took.", type: "gauge" },
    dns_answer_rrs: { help: "Records in the answer.", type: "gauge" },
    dns_rcode_info: { help: "The response code (label rcode), value 1.", type: "gauge" },
  },
  async run({ target, settings, result, signal, timeout }) {
    const resolver = new dns.Resolver({
      timeout: Math.max(100, Math.round(timeout * 1000)),
      tries: 1,
    });
    const server = serverOf(target);
    if (server) {
      try {
        resolver.setServers([await serverAddress(server, signal)]);
      } catch (error) {
        if (signal.aborted) throw error;
        return result.fail(`DNS server "${server}": ${(error as Error).message}`);
      }
    }
    const started = performance.now();
    let answers: string[] = [];
    let rcode = "NOERROR";
    try {
      const found = (await abortable(
        resolver.resolve(settings.queryName, settings.queryType) as Promise<unknown>,
        signal,
        () => resolver.cancel(),
      )) as unknown;
      answers = (Array.isArray(found) ? found : [found]).map(render);
    } catch (error) {
      if (signal.aborted) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? "";
      const mapped = rcodeOf[code];
      if (!mapped) {
        result.set("dns_lookup_time_seconds", (performance.now() - started) / 1000);
        return result.fail(
          `query ${settings.queryName} ${settings.queryType}: ${(error as Error).message}`,
        );
      }
      rcode = mapped;
    }
    result.set("dns_lookup_time_seconds", (performance.now() - started) / 1000);
    result.set("dns_answer_rrs", answers.length);
    result.set("dns_rcode_info", 1, { rcode });
    let ok = true;
    if (!settings.validRcodes.includes(rcode))
      ok = result.fail(`rcode ${rcode} is not one of ${settings.validRcodes.join(", ")}`);
    if (settings.failIfNoAnswer && answers.length === 0) ok = result.fail("no answer records");
    for (const re of settings.failIfMatches)
      if (answers.some((answer) => re.test(answer)))
        ok = result.fail(`an answer matched ${re.source}`);
    // As blackbox_exporter: every answer must match (one unexpected address among the good ones
    // fails), and no answer at all fails too.
    for (const re of settings.failIfNotMatches) {
      const misses = answers.filter((answer) => !re.test(answer));
      if (answers.length === 0 || misses.length > 0)
        ok = result.fail(
          `${misses.join(", ") || "no answer"} did not match ${re.source} (got: ${answers.join(", ") || "none"})`,
        );
    }
    return ok;
  },
};
