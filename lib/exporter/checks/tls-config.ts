/**
 * tls_config as prometheus/common reads it for blackbox_exporter (config/http_config.go TLSConfig):
 * CA, client certificate and key as files or inline PEM, server_name, insecure_skip_verify,
 * min_version/max_version. The inline key is a secret: no message ever quotes it.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import type { SecureVersion } from "node:tls";
import { bool, mapping, onlyKeys, optString, type Raw } from "../fields.ts";
import type { TlsSettings } from "../net/dial.ts";

/** common's TLSVersions; unset means Go's client defaults, TLS 1.2 to 1.3 (Node's too). */
const versions: Record<string, SecureVersion> = {
  TLS10: "TLSv1",
  TLS11: "TLSv1.1",
  TLS12: "TLSv1.2",
  TLS13: "TLSv1.3",
};
const order = Object.keys(versions);

function version(tls: Raw, key: string, at: string): string | undefined {
  const value = optString(tls, key, at);
  if (value === undefined || value === "") return undefined;
  if (!Object.hasOwn(versions, value))
    throw new Error(`${at}.${key}: unknown TLS version "${value}" (known: ${order.join(", ")})`);
  return value;
}

/** Certificates in a PEM text, skipping blocks that do not parse (Go's AppendCertsFromPEM). */
function certificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.flatMap((block) => {
    try {
      return [new X509Certificate(block)];
    } catch {
      return [];
    }
  });
}

/** Inline PEM is checked at load, as common's NewTLSConfig would on every probe. */
function checkInline(settings: TlsSettings, at: string): void {
  if (settings.ca !== undefined && certificates(settings.ca).length === 0)
    throw new Error(`${at}.ca: no PEM certificate found`);
  let leaf: X509Certificate | undefined;
  if (settings.cert !== undefined) {
    leaf = certificates(settings.cert)[0];
    if (!leaf) throw new Error(`${at}.cert: no PEM certificate found`);
  }
  let key: KeyObject | undefined;
  if (settings.key !== undefined) {
    try {
      key = createPrivateKey(settings.key);
    } catch {
      throw new Error(`${at}.key: not a PEM private key (its text is not shown)`);
    }
  }
  if (leaf && key && !leaf.checkPrivateKey(key))
    throw new Error(`${at}.key: does not match the certificate of cert`);
}

export function parseTlsConfig(raw: Raw, where: string): TlsSettings {
  const tls = mapping(raw, "tls_config", where);
  const at = `${where}.tls_config`;
  onlyKeys(
    tls,
    [
      "ca",
      "ca_file",
      "cert",
      "cert_file",
      "key",
      "key_file",
      "server_name",
      "insecure_skip_verify",
      "min_version",
      "max_version",
    ],
    at,
  );
  const settings: TlsSettings = {
    insecureSkipVerify: bool(tls, "insecure_skip_verify", at, false),
  };
  // An empty string is unset, as in common (len(...) > 0).
  const text = (key: string) => optString(tls, key, at) || undefined;
  for (const [inline, file] of [
    ["ca", "ca_file"],
    ["cert", "cert_file"],
    ["key", "key_file"],
  ] as const) {
    const inlineValue = text(inline);
    const fileValue = text(file);
    if (inlineValue !== undefined && fileValue !== undefined)
      throw new Error(`${at}: ${inline} and ${file} exclude each other`);
    if (inlineValue !== undefined) settings[inline] = inlineValue;
    if (fileValue !== undefined) settings[`${inline}File`] = fileValue;
  }
  const serverName = text("server_name");
  if (serverName) settings.serverName = serverName;
  const hasCert = settings.cert !== undefined || settings.certFile !== undefined;
  const hasKey = settings.key !== undefined || settings.keyFile !== undefined;
  if (hasCert !== hasKey)
    throw new Error(`${at}: cert_file and key_file go together (or cert and key, inline PEM)`);
  checkInline(settings, at);
  const min = version(tls, "min_version", at);
  const max = version(tls, "max_version", at);
  if (max !== undefined && order.indexOf(max) < order.indexOf(min ?? "TLS12"))
    throw new Error(
      min === undefined
        ? `${at}.max_version: ${max} is below the default min_version TLS12: no version left`
        : `${at}: max_version must be greater than or equal to min_version`,
    );
  if (min !== undefined) settings.minVersion = versions[min];
  if (max !== undefined) settings.maxVersion = versions[max];
  return settings;
}
