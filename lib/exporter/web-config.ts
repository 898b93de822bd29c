/**
 * The exporter-toolkit web.config.file format (tls_server_config, basic_auth_users with bcrypt
 * hashes), so the same file secures node_exporter, blackbox_exporter and this exporter.
 */
import { dirname, resolve } from "node:path";
import type { ServerTls } from "../metrics/server.ts";
import { isMapping, onlyKeys, optString, stringMap } from "./fields.ts";

/**
 * The headers exporter-toolkit lets http_server_config set (web/handler.go), with the values it
 * allows where it fixes them: other headers could break scrapes (Content-Type) or every response.
 */
const allowedHeaders: Record<string, readonly string[] | undefined> = {
  "Strict-Transport-Security": undefined,
  "X-Content-Type-Options": ["nosniff"],
  "X-Frame-Options": ["deny", "sameorigin"],
  "X-XSS-Protection": undefined,
  "Content-Security-Policy": undefined,
};

export interface WebConfig {
  tls: ServerTls | undefined;
  users: Map<string, string>;
  headers: Record<string, string>;
}

export async function loadWebConfig(path: string): Promise<WebConfig> {
  let document: unknown;
  try {
    const text = await Bun.file(path).text();
    document = text.trim() === "" ? {} : Bun.YAML.parse(text);
  } catch (error) {
    throw new Error(`web config ${path}: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) document = {};
  if (!isMapping(document)) throw new Error(`web config ${path}: expected a mapping`);
  onlyKeys(
    document,
    ["tls_server_config", "basic_auth_users", "http_server_config"],
    `web config ${path}`,
  );
  const base = dirname(path);
  const file = (value: string | undefined) =>
    value === undefined ? undefined : resolve(base, value);
  let tls: WebConfig["tls"];
  const tlsRaw = document.tls_server_config;
  if (tlsRaw !== undefined && tlsRaw !== null) {
    const where = `web config ${path}: tls_server_config`;
    if (!isMapping(tlsRaw)) throw new Error(`${where}: expected a mapping`);
    onlyKeys(
      tlsRaw,
      ["cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version"],
      where,
    );
    const certFile = file(optString(tlsRaw, "cert_file", where));
    const keyFile = file(optString(tlsRaw, "key_file", where));
    if (!certFile || !keyFile) throw new Error(`${where}: cert_file and key_file are required`);
    const caFile = file(optString(tlsRaw, "client_ca_file", where));
    const minVersion = optString(tlsRaw, "min_version", where) ?? "TLS12";
    // Bun's TLS floor is 1.2 already; a stricter floor cannot be set, so it is refused, not ignored.
    if (minVersion !== "TLS12" && minVersion !== "TLS10" && minVersion !== "TLS11")
      throw new Error(
        `${where}: min_version "${minVersion}" is not supported (TLS 1.2 is the floor)`,
      );
    const authType = optString(tlsRaw, "client_auth_type", where) ?? "NoClientCert";
    if (!["NoClientCert", "RequireAndVerifyClientCert"].includes(authType))
      throw new Error(
        `${where}: client_auth_type "${authType}" is not supported (NoClientCert, RequireAndVerifyClientCert)`,
      );
    // As exporter-toolkit: a CA alone looks like mTLS but checks no client at all.
    if (caFile && authType === "NoClientCert")
      throw new Error(
        `${where}: client_ca_file is set but client_auth_type is not RequireAndVerifyClientCert: no client certificate would be checked`,
      );
    try {
      tls = {
        cert: await Bun.file(certFile).text(),
        key: await Bun.file(keyFile).text(),
        requestCert: authType === "RequireAndVerifyClientCert",
        ...(caFile ? { ca: await Bun.file(caFile).text() } : {}),
      };
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
  }
  const users = new Map<string, string>();
  const usersRaw = document.basic_auth_users;
  if (usersRaw !== undefined && usersRaw !== null) {
    if (!isMapping(usersRaw))
      throw new Error(`web config ${path}: basic_auth_users: expected user: bcrypt-hash`);
    for (const [user, hash] of Object.entries(usersRaw)) {
      if (typeof hash !== "string" || !/^\$2[aby]?\$\d\d\$/.test(hash))
        throw new Error(`web config ${path}: basic_auth_users.${user}: expected a bcrypt hash`);
      users.set(user, hash);
    }
  }
  const http = document.http_server_config ?? {};
  const where = `web config ${path}: http_server_config`;
  if (!isMapping(http)) throw new Error(`${where}: expected a mapping`);
  // http2 is exporter-toolkit's switch; this server speaks HTTP/1.1 either way.
  onlyKeys(http, ["headers", "http2"], where);
  const headers = stringMap(http, "headers", where);
  for (const [name, value] of Object.entries(headers)) {
    const at = `${where}.headers.${name}`;
    if (!Object.hasOwn(allowedHeaders, name))
      throw new Error(
        `${at}: cannot be configured (only ${Object.keys(allowedHeaders).join(", ")})`,
      );
    const values = allowedHeaders[name];
    if (values && !values.includes(value))
      throw new Error(`${at}: "${value}" is not one of ${values.join(", ")}`);
  }
  return { tls, users, headers };
}

export type VerifyPassword = (password: string, hash: string) => Promise<boolean>;

const bcryptVerify: VerifyPassword = (password, hash) =>
  Bun.password.verify(password, hash, "bcrypt");

/**
 * Basic auth against bcrypt hashes. bcrypt is slow on purpose, so a verified (user, password,
 * hash) triple is remembered, as exporter-toolkit does; failures are never cached.
 */
export class BasicAuth {
  private readonly verified = new Set<string>();
  /** Compared against for unknown users, at the configured cost (the highest if several). */
  private readonly dummyHash: Promise<string> | undefined;

  constructor(
    private readonly users: Map<string, string>,
    private readonly verify: VerifyPassword = bcryptVerify,
  ) {
    if (users.size === 0) return;
    const costs = [...users.values()].map((hash) => Number(/^\$2[aby]?\$(\d\d)\$/.exec(hash)?.[1]));
    const cost = Math.min(31, Math.max(4, ...costs.filter(Number.isFinite)));
    this.dummyHash = Bun.password.hash(crypto.randomUUID(), { algorithm: "bcrypt", cost });
  }

  get enabled(): boolean {
    return this.users.size > 0;
  }

  async check(request: Request): Promise<boolean> {
    if (!this.enabled) return true;
    const header = request.headers.get("authorization") ?? "";
    // The scheme is case-insensitive (RFC 7617): "basic" is as good as "Basic".
    if (header.slice(0, 6).toLowerCase() !== "basic ") return false;
    const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = this.users.get(user);
    if (!hash) {
      // Answering at once would tell by its timing which user names exist (exporter-toolkit
      // does the same).
      await this.verify(password, (await this.dummyHash) ?? "").catch(() => false);
      return false;
    }
    const key = new Bun.CryptoHasher("sha256")
      .update(`${user}\0${password}\0${hash}`)
      .digest("hex");
    if (this.verified.has(key)) return true;
    let ok = false;
    try {
      ok = await this.verify(password, hash.replace(/^\$2y\$/, "$2b$"));
    } catch {
      ok = false;
    }
    if (ok) {
      if (this.verified.size > 1000) this.verified.clear();
      this.verified.add(key);
    }
    return ok;
  }
}
