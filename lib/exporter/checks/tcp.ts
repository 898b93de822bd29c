/** tcp: connect, optional TLS, and send/expect exchanges (banners, STARTTLS). */
import {
  bool,
  isMapping,
  labelName,
  onlyKeys,
  optNumber,
  optString,
  type Raw,
  regex,
  regexText,
} from "../fields.ts";
import { goExpand } from "../go-expand.ts";
import { findSubmatchIndex, subexpNames } from "../go-match.ts";
import { dial, type IpProtocol, startTls, type TlsSettings, type TlsState } from "../net/dial.ts";
import { LineScanner } from "../net/line-scanner.ts";
import type { CheckKind } from "../types.ts";
import { parseIpProtocol, parseSourceIp, recordTls, splitHostPort, tlsMetrics } from "./shared.ts";
import { parseTlsConfig } from "./tls-config.ts";

const newline = Buffer.from("\n");

interface ExpectLabel {
  name: string;
  /** Expanded from the matched line, as send is. */
  value: string;
}

interface Step {
  expect: RegExp | undefined;
  /** blackbox 0.28's expect_bytes: the next bytes, compared exactly (the string's UTF-8). */
  expectBytes: Buffer | undefined;
  /** blackbox's probe_expect_info{labels} 1, set when expect matches. */
  labels: ExpectLabel[] | undefined;
  send: string | undefined;
  starttls: boolean;
}

export interface TcpSettings {
  tls: boolean;
  tlsConfig: TlsSettings;
  ipProtocol: IpProtocol;
  /** The local address connections come from (source_ip_address). */
  sourceIp: string | undefined;
  steps: Step[];
  minCertDays: number | undefined;
}

function parseSteps(raw: Raw, where: string): Step[] {
  const value = raw.query_response ?? [];
  if (!Array.isArray(value)) throw new Error(`${where}.query_response: expected a list`);
  return value.map((item, index) => {
    const at = `${where}.query_response[${index}]`;
    if (!isMapping(item)) throw new Error(`${at}: expected {expect, send, starttls}`);
    onlyKeys(item, ["expect", "expect_bytes", "labels", "send", "starttls"], at);
    const expect = optString(item, "expect", at);
    // Empty is unset, as blackbox's `if qr.ExpectBytes != ""`.
    const expectBytes = optString(item, "expect_bytes", at) || undefined;
    if (expect !== undefined && expectBytes !== undefined)
      throw new Error(`${at}: expect and expect_bytes exclude each other`);
    return {
      // Matched against one line at a time (without its "\r\n"), as blackbox does.
      expect: expect === undefined ? undefined : regex(expect, `${at}.expect`),
      expectBytes: expectBytes === undefined ? undefined : Buffer.from(expectBytes),
      labels: parseLabels(item, at),
      send: optString(item, "send", at),
      starttls: bool(item, "starttls", at, false),
    };
  });
}

interface LineMatch {
  line: Buffer;
  /** Go's FindSubmatchIndex on the line: byte offsets, -1 for a group that did not match. */
  match: number[];
}

function parseLabels(raw: Raw, where: string): ExpectLabel[] | undefined {
  const value = raw.labels;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new Error(`${where}.labels: expected a list of {name, value}`);
  return value.map((item, index) => {
    const at = `${where}.labels[${index}]`;
    if (!isMapping(item)) throw new Error(`${at}: expected {name, value}`);
    onlyKeys(item, ["name", "value"], at);
    const name = optString(item, "name", at) ?? "";
    if (!labelName.test(name)) throw new Error(`${at}.name: "${name}" is not a valid label name`);
    // The series' own labels: an expect label must not rename the check.
    if (name.startsWith("__") || name === "check" || name === "kind")
      throw new Error(`${at}.name: "${name}" is reserved`);
    return { name, value: optString(item, "value", at) ?? "" };
  });
}

/**
 * Reads lines until one matches, as blackbox's `for scanner.Scan()` loop: undefined when the
 * stream ends first; a read error (after the lines before it) is thrown.
 */
async function expectLine(
  scanner: LineScanner,
  re: RegExp,
  signal: AbortSignal,
  step: number,
): Promise<LineMatch | undefined> {
  for (;;) {
    const line = await scanner.next(signal);
    const match = line === undefined ? undefined : findSubmatchIndex(re, line);
    if (scanner.error) throw new Error(`step ${step}: reading: ${scanner.error.message}`);
    if (line === undefined) return undefined;
    if (match) return { line, match };
  }
}

/** Bytes for a message, quoted: printable ASCII as is, `"` and `\` escaped, other bytes \xNN. */
function quoteBytes(bytes: Buffer): string {
  let text = "";
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    if (char === '"' || char === "\\") text += `\\${char}`;
    else if (byte >= 0x20 && byte < 0x7f) text += char;
    else text += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `"${text}"`;
}

export const tcpCheck: CheckKind<TcpSettings> = {
  kind: "tcp",
  description: "TCP connect, optional TLS and send/expect exchanges",
  parse(raw, where) {
    onlyKeys(
      raw,
      [
        "tls",
        "tls_config",
        "query_response",
        "preferred_ip_protocol",
        "ip_protocol_fallback",
        "source_ip_address",
        "min_cert_days",
      ],
      where,
    );
    return {
      tls: bool(raw, "tls", where, false),
      tlsConfig: parseTlsConfig(raw, where),
      ipProtocol: parseIpProtocol(raw, where),
      sourceIp: parseSourceIp(raw, where),
      steps: parseSteps(raw, where),
      minCertDays: optNumber(raw, "min_cert_days", where),
    };
  },
  validateTarget(target) {
    try {
      splitHostPort(target);
    } catch {
      return "expected host:port";
    }
    return undefined;
  },
  metrics: {
    tcp_connect_duration_seconds: { help: "Seconds to open the TCP connection.", type: "gauge" },
    dns_lookup_time_seconds: { help: "Seconds spent resolving the host.", type: "gauge" },
    failed_due_to_regex: { help: "1 if an expect step did not match.", type: "gauge" },
    failed_due_to_bytes: { help: "1 if an expect_bytes step got other bytes.", type: "gauge" },
    expect_info: { help: "Explicit content matched (an expect's labels).", type: "gauge" },
    ip_protocol: { help: "IP protocol used: 4 or 6.", type: "gauge" },
    ...tlsMetrics,
  },
  detailLabels: (settings) =>
    settings.steps.flatMap((step, index) =>
      (step.labels ?? []).map(({ name }, label) => ({
        name,
        key: `query_response[${index}].labels[${label}].name`,
      })),
    ),
  async run({ target, settings, result, signal }) {
    const { host, port } = splitHostPort(target);
    let dialed: Awaited<ReturnType<typeof dial>>;
    try {
      dialed = await dial({
        host,
        port,
        tls: settings.tls ? settings.tlsConfig : undefined,
        ipProtocol: settings.ipProtocol,
        localAddress: settings.sourceIp,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      return result.fail((error as Error).message);
    }
    result.set("dns_lookup_time_seconds", dialed.resolveSeconds);
    result.set("tcp_connect_duration_seconds", dialed.connectSeconds);
    result.set("ip_protocol", dialed.family);
    // Set from here on, as blackbox registers it once connected: a read error is not a regex failure.
    result.set("failed_due_to_regex", 0);
    result.set("failed_due_to_bytes", 0);
    let scanner = new LineScanner(dialed.socket);
    const onAbort = () => scanner.socket.destroy();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      let ok = true;
      // An unverified peer (a man in the middle) is told nothing: `send` steps may hold secrets.
      const trusted = (tls: TlsState) => tls.authorized || settings.tlsConfig.insecureSkipVerify;
      if (dialed.tls && !recordTls(dialed.tls, settings.tlsConfig, result, settings.minCertDays))
        ok = false;
      if (dialed.tls && !trusted(dialed.tls)) return false;
      for (const [index, step] of settings.steps.entries()) {
        let send: string | Buffer | undefined = step.send;
        if (step.expect) {
          const found = await expectLine(scanner, step.expect, signal, index + 1);
          if (!found) {
            result.set("failed_due_to_regex", 1);
            return result.fail(`step ${index + 1}: no answer matched ${regexText(step.expect)}`);
          }
          // The step's send and labels may quote the matched line: PONG ${1}.
          const names = subexpNames(step.expect);
          if (send !== undefined) send = goExpand(send, names, found.line, found.match);
          if (step.labels) {
            const labels: Record<string, string> = {};
            for (const { name, value } of step.labels)
              labels[name] = goExpand(value, names, found.line, found.match).toString();
            result.set("expect_info", 1, labels);
          }
        }
        if (step.expectBytes) {
          const wanted = step.expectBytes;
          const got = await scanner.take(wanted.length, signal);
          if (scanner.error)
            throw new Error(`step ${index + 1}: reading: ${scanner.error.message}`);
          if (got.length < wanted.length)
            return result.fail(
              `step ${index + 1}: the connection ended after ${got.length} of ${wanted.length} bytes`,
            );
          if (!got.equals(wanted)) {
            result.set("failed_due_to_bytes", 1);
            return result.fail(
              `step ${index + 1}: got ${quoteBytes(got)}, expected ${quoteBytes(wanted)}`,
            );
          }
        }
        // blackbox sends nothing, not even the newline, for an empty send.
        if (send !== undefined && send.length > 0)
          scanner.socket.write(Buffer.concat([Buffer.from(send), newline]));
        if (step.starttls) {
          scanner.detach();
          const secured = await startTls(scanner.socket, host, settings.tlsConfig, signal);
          scanner = new LineScanner(secured.socket);
          if (!recordTls(secured.state, settings.tlsConfig, result, settings.minCertDays))
            ok = false;
          if (!trusted(secured.state)) return false;
        }
      }
      return ok;
    } catch (error) {
      if (signal.aborted) throw error;
      return result.fail((error as Error).message);
    } finally {
      signal.removeEventListener("abort", onAbort);
      scanner.socket.destroy();
      dialed.socket.destroy();
    }
  },
};
