/**
 * The http check's credentials as prometheus/common reads them for blackbox_exporter
 * (config/http_config.go HTTPClientConfig.Validate): basic_auth, authorization, bearer_token(_file).
 * Secrets are never put in a message; files are read (trimmed) at every run, so rotations apply.
 */
import { mapping, onlyKeys, optString, type Raw } from "../fields.ts";

export interface HttpAuthorization {
  /** "Basic" for basic_auth; authorization's type otherwise ("Bearer" unless set). */
  scheme: string;
  /** The password or credentials, or the file holding them. */
  value?: string;
  file?: string;
  /** basic_auth's user name, or the file holding it. */
  user?: string;
  userFile?: string;
}

/** One of value/file (or neither); both is an error naming the two keys. */
function secret(raw: Raw, key: string, at: string): { value?: string; file?: string } {
  const value = optString(raw, key, at);
  const file = optString(raw, `${key}_file`, at);
  if (value !== undefined && file !== undefined)
    throw new Error(`${at}: ${key} and ${key}_file exclude each other`);
  return file !== undefined ? { file } : value !== undefined ? { value } : {};
}

function basicAuth(raw: Raw, at: string): HttpAuthorization {
  onlyKeys(raw, ["username", "username_file", "password", "password_file"], at);
  const user = secret(raw, "username", at);
  if (!user.value && !user.file) throw new Error(`${at}.username: required (or username_file)`);
  const password = secret(raw, "password", at);
  return {
    scheme: "Basic",
    ...(user.file !== undefined ? { userFile: user.file } : { user: user.value as string }),
    ...(password.file !== undefined ? { file: password.file } : { value: password.value ?? "" }),
  };
}

function authorization(raw: Raw, at: string): HttpAuthorization {
  onlyKeys(raw, ["type", "credentials", "credentials_file"], at);
  const scheme = (optString(raw, "type", at) ?? "").trim() || "Bearer";
  if (scheme.toLowerCase() === "basic")
    throw new Error(`${at}.type: cannot be "basic", use "basic_auth" instead`);
  return { scheme, ...secret(raw, "credentials", at) };
}

export function parseHttpAuthorization(raw: Raw, where: string): HttpAuthorization | undefined {
  const basic = mapping(raw, "basic_auth", where);
  const hasBasic = Object.keys(basic).length > 0;
  // authorization: {} is a Bearer header with no credentials, as in common.
  const hasAuthorization = raw.authorization !== undefined && raw.authorization !== null;
  const auth = mapping(raw, "authorization", where);
  const bearer = optString(raw, "bearer_token", where);
  const bearerFile = optString(raw, "bearer_token_file", where);
  const hasBearer = bearer !== undefined || bearerFile !== undefined;
  if (hasAuthorization && hasBearer)
    throw new Error(
      `${where}: authorization is not compatible with bearer_token and bearer_token_file`,
    );
  if (hasAuthorization && hasBasic)
    throw new Error(`${where}: authorization and basic_auth exclude each other`);
  if ([hasBasic, bearer !== undefined, bearerFile !== undefined].filter(Boolean).length > 1)
    throw new Error(`${where}: use one of basic_auth, bearer_token, bearer_token_file`);
  if (hasAuthorization) return authorization(auth, `${where}.authorization`);
  if (bearer !== undefined) return { scheme: "Bearer", value: bearer };
  if (bearerFile !== undefined) return { scheme: "Bearer", file: bearerFile };
  if (hasBasic) return basicAuth(basic, `${where}.basic_auth`);
  return undefined;
}

const readTrimmed = async (file: string) => (await Bun.file(file).text()).trim();

/** The Authorization header's value for one run (files read now). */
export async function authorizationHeader(auth: HttpAuthorization): Promise<string> {
  const secretText = auth.file ? await readTrimmed(auth.file) : (auth.value ?? "");
  if (auth.scheme !== "Basic") return `${auth.scheme} ${secretText}`;
  const user = auth.userFile ? await readTrimmed(auth.userFile) : (auth.user ?? "");
  return `Basic ${Buffer.from(`${user}:${secretText}`).toString("base64")}`;
}
