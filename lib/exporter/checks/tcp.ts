/** tcp: connect, optional TLS, and send/expect exchanges (banners, STARTTLS). */
import type { Socket } from "node:net";
import {
  bool,
  isMapping,
  onlyKeys,
  optNumber,
  optString,
  type Raw,
  regex,
  regexText,
} from "../fields.ts";
import {
  abortable,
  dial,
  type IpProtocol,
  startTls,
  type TlsSettings,
  type TlsState,
} from "../net/dial.ts";
import type { CheckKind } from "../types.ts";
import { parseIpProtocol, parseTlsConfig, recordTls, splitHostPort, tlsMetrics } from "./shared.ts";

interface Step {
  expect: RegExp | undefined;
  send: string | undefined;
  starttls: boolean;
}

export interface TcpSettings {
  tls: boolean;
  tlsConfig: TlsSettings;
  ipProtocol: IpProtocol;
  steps: Step[];
  minCertDays: number | undefined;
}

function parseSteps(raw: Raw, where: string): Step[] {
  const value = raw.query_response ?? [];
  if (!Array.isArray(value)) throw new Error(`${where}.query_response: expected a list`);
  return value.map((item, index) => {
    const at = `${where}.query_response[${index}]`;
    if (!isMapping(item)) throw new Error(`${at}: expected {expect, send, starttls}`);
    onlyKeys(item, ["expect", "send", "starttls"], at);
    const expect = optString(item, "expect", at);
    return {
      // blackbox matches expect line by line: ^ and $ are at every line's start and end.
      expect: expect === undefined ? undefined : regex(expect, `${at}.expect`, { lines: true }),
      send: optString(item, "send", at),
      starttls: bool(item, "starttls", at, false),
    };
  });
}

/** Buffers what the server sends so expect steps can wait for a regex. */
class Conversation {
  private text = "";
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(public socket: Socket) {
    this.listen(socket);
  }

  listen(socket: Socket): void {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.text += chunk.toString("utf8");
      if (this.text.length > 1024 * 1024) this.text = this.text.slice(-512 * 1024);
      this.waiter?.();
    });
    socket.once("close", () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  async expect(re: RegExp, signal: AbortSignal): Promise<boolean> {
    for (;;) {
      const match = re.exec(this.text);
      if (match) {
        this.text = this.text.slice(match.index + match[0].length);
        return true;
      }
      if (this.closed) return false;
      await abortable(
        new Promise<void>((resolve) => {
          this.waiter = resolve;
        }),
        signal,
      );
      this.waiter = undefined;
    }
  }

  /** Drops the old socket's listeners before TLS takes over the connection. */
  detach(): void {
    this.socket.removeAllListeners("data");
    this.socket.removeAllListeners("close");
    this.text = "";
  }
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
        "min_cert_days",
      ],
      where,
    );
    return {
      tls: bool(raw, "tls", where, false),
      tlsConfig: parseTlsConfig(raw, where),
      ipProtocol: parseIpProtocol(raw, where),
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
    ip_protocol: { help: "IP protocol used: 4 or 6.", type: "gauge" },
    ...tlsMetrics,
  },
  async run({ target, settings, result, signal }) {
    const { host, port } = splitHostPort(target);
    let dialed: Awaited<ReturnType<typeof dial>>;
    try {
      dialed = await dial({
        host,
        port,
        tls: settings.tls ? settings.tlsConfig : undefined,
        ipProtocol: settings.ipProtocol,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      return result.fail((error as Error).message);
    }
    result.set("dns_lookup_time_seconds", dialed.resolveSeconds);
    result.set("tcp_connect_duration_seconds", dialed.connectSeconds);
    result.set("ip_protocol", dialed.family);
    const conversation = new Conversation(dialed.socket);
    const onAbort = () => conversation.socket.destroy();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      let ok = true;
      // An unverified peer (a man in the middle) is told nothing: `send` steps may hold secrets.
      const trusted = (tls: TlsState) => tls.authorized || settings.tlsConfig.insecureSkipVerify;
      if (dialed.tls && !recordTls(dialed.tls, settings.tlsConfig, result, settings.minCertDays))
        ok = false;
      if (dialed.tls && !trusted(dialed.tls)) return false;
      for (const [index, step] of settings.steps.entries()) {
        if (step.expect && !(await conversation.expect(step.expect, signal))) {
          result.set("failed_due_to_regex", 1);
          return result.fail(`step ${index + 1}: no answer matched ${regexText(step.expect)}`);
        }
        if (step.send !== undefined) conversation.socket.write(`${step.send}\n`);
        if (step.starttls) {
          conversation.detach();
          const secured = await startTls(conversation.socket, host, settings.tlsConfig, signal);
          conversation.listen(secured.socket);
          if (!recordTls(secured.state, settings.tlsConfig, result, settings.minCertDays))
            ok = false;
          if (!trusted(secured.state)) return false;
        }
      }
      result.set("failed_due_to_regex", 0);
      return ok;
    } catch (error) {
      if (signal.aborted) throw error;
      return result.fail((error as Error).message);
    } finally {
      signal.removeEventListener("abort", onAbort);
      conversation.socket.destroy();
      dialed.socket.destroy();
    }
  },
};
