// What @kubernetes/client-node's own transport would put on an undici Agent (CA, client
// certificate and key, skip-verify, server name) and its auth headers, read from a KubeConfig
// through its public applyToHTTPSOptions, so token files, exec plugins and data/file fields
// all resolve exactly as upstream does. Bun's fetch ignores undici dispatchers, so these are
// handed to Bun's fetch as its `tls` option instead.
import type https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

type PemLike = string | Buffer | Array<string | Buffer>;

/** The subset of Bun's fetch `tls` option that a kubeconfig can set. */
export interface KubeTlsOptions {
  ca?: PemLike;
  cert?: PemLike;
  key?: PemLike;
  rejectUnauthorized?: boolean;
  serverName?: string;
}

export interface KubeRequestOptions {
  tls: KubeTlsOptions;
  /** Authorization (bearer/basic) and impersonation headers. */
  headers: Record<string, string>;
}

function asPem(value: unknown): PemLike | undefined {
  if (typeof value === "string" || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.filter((v) => typeof v === "string" || Buffer.isBuffer(v));
  return undefined;
}

/** Resolves TLS material and auth headers for the KubeConfig's current context. */
export async function kubeRequestOptions(kc: KubeConfig): Promise<KubeRequestOptions> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const tls: KubeTlsOptions = {};
  const ca = asPem(opts.ca);
  const cert = asPem(opts.cert);
  const key = asPem(opts.key);
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  if (opts.rejectUnauthorized === false) tls.rejectUnauthorized = false;
  if (opts.servername) tls.serverName = opts.servername;

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : `${value}`;
  }
  if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString("base64")}`;
  return { tls, headers };
}
