/** cert: time left before a certificate expires, on a remote TLS endpoint or in a local PEM file. */
import { onlyKeys, optNumber } from "../fields.ts";
import { earliestExpiry, type PeerCertificate, pemCertificates } from "../net/certs.ts";
import { dial, type IpProtocol, type TlsSettings } from "../net/dial.ts";
import type { CheckKind } from "../types.ts";
import { readLocalFile } from "./local-file.ts";
import { parseIpProtocol, recordTlsVersion, splitHostPort, tlsMetrics } from "./shared.ts";
import { parseTlsConfig } from "./tls-config.ts";

export interface CertSettings {
  minDays: number | undefined;
  tls: TlsSettings;
  ipProtocol: IpProtocol;
}

/** A CA bundle is a few hundred KiB: this bounds what a PEM target can make the exporter hold. */
const maxPemBytes = 16 * 1024 * 1024;

/** "/etc/ssl/x.pem", "./x.pem" or "file:x.pem" is a local file; anything else host:port. */
export function localPemPath(target: string): string | undefined {
  if (target.startsWith("file:")) return target.slice("file:".length).replace(/^\/\/(?=\/)/, "");
  if (target.startsWith("/") || target.startsWith("./") || target.startsWith("../")) return target;
  return undefined;
}

export const certCheck: CheckKind<CertSettings> = {
  kind: "cert",
  description: "Certificate expiry of a TLS endpoint (host:port) or a PEM file (path)",
  parse(raw, where) {
    onlyKeys(raw, ["min_days", "tls_config", "preferred_ip_protocol"], where);
    return {
      minDays: optNumber(raw, "min_days", where),
      tls: parseTlsConfig(raw, where),
      ipProtocol: parseIpProtocol(raw, where),
    };
  },
  validateTarget(target) {
    if (localPemPath(target)) return undefined;
    try {
      splitHostPort(target);
    } catch {
      return "expected host:port or a PEM file path (/path, ./path or file:path)";
    }
    return undefined;
  },
  metrics: {
    cert_expiry_seconds: {
      help: "Seconds until the first certificate of the chain expires (negative once expired).",
      type: "gauge",
    },
    cert_chain_length: {
      help: "Certificates found (chain length or PEM bundle size).",
      type: "gauge",
    },
    ...tlsMetrics,
  },
  async run({ target, settings, result, signal }) {
    let chain: PeerCertificate[];
    let trusted = true;
    const path = localPemPath(target);
    if (path) {
      let text: string;
      try {
        text = await readLocalFile(path, maxPemBytes);
      } catch (error) {
        const { code, message } = error as NodeJS.ErrnoException;
        return result.fail(code ? message : `${path}: ${message}`);
      }
      try {
        chain = pemCertificates(text, path);
      } catch (error) {
        return result.fail((error as Error).message);
      }
    } else {
      const { host, port } = splitHostPort(target);
      try {
        const dialed = await dial({
          host,
          port,
          tls: settings.tls,
          ipProtocol: settings.ipProtocol,
          signal,
        });
        dialed.socket.destroy();
        const tls = dialed.tls as NonNullable<typeof dialed.tls>;
        chain = tls.chain;
        recordTlsVersion(tls, result);
        result.set("tls_chain_verified", tls.authorized ? 1 : 0);
        if (!tls.authorized && !settings.tls.insecureSkipVerify)
          trusted = result.fail(`TLS certificate not trusted: ${tls.authorizationError}`);
      } catch (error) {
        if (signal.aborted) throw error;
        return result.fail((error as Error).message);
      }
    }
    result.set("cert_chain_length", chain.length);
    if (chain.length === 0) return result.fail("no certificate received");
    const expiry = earliestExpiry(chain);
    const left = expiry - Date.now() / 1000;
    result.set("ssl_earliest_cert_expiry", expiry);
    result.set("cert_expiry_seconds", left);
    if (left <= 0) return result.fail(`certificate expired ${(-left / 86400).toFixed(1)} days ago`);
    if (settings.minDays !== undefined && left / 86400 < settings.minDays)
      return result.fail(
        `certificate expires in ${(left / 86400).toFixed(1)} days (min_days ${settings.minDays})`,
      );
    return trusted;
  },
};
