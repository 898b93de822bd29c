/**
 * http_headers as prometheus/common reads them (config/headers.go): {Name: {values, secrets, files}},
 * each added to every request (redirects included), after `headers`. Files are read, trimmed, at
 * every run. Secrets and file contents are never quoted in a message.
 */
import { isMapping, mapping, onlyKeys, type Raw, stringList, stringMap } from "../fields.ts";

export interface AddedHeader {
  name: string;
  values: string[];
  secrets: string[];
  files: string[];
}

/** common's ReservedHeaders: set by the client, or credentials with keys of their own. */
const reserved = new Set([
  "Authorization",
  "Host",
  "Content-Encoding",
  "Content-Length",
  "Content-Type",
  "User-Agent",
  "Connection",
  "Keep-Alive",
  "Proxy-Authenticate",
  "Proxy-Authorization",
  "Www-Authenticate",
  "Accept-Encoding",
  "X-Prometheus-Remote-Write-Version",
  "X-Prometheus-Remote-Read-Version",
  "X-Prometheus-Scrape-Timeout-Seconds",
  "X-Amz-Date",
  "X-Amz-Security-Token",
  "X-Amz-Content-Sha256",
]);

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A header name is an RFC 9110 token (Go's httpguts.ValidHeaderFieldName). */
export function validHeaderName(name: string): boolean {
  return token.test(name);
}

/** Go's http.CanonicalHeaderKey: "x-api-key" -> "X-Api-Key"; a name that is not a token as is. */
export function canonicalHeaderName(name: string): string {
  if (!token.test(name)) return name;
  return name
    .toLowerCase()
    .replace(/(^|-)([a-z])/g, (_, dash, c: string) => dash + c.toUpperCase());
}

/** Go's httpguts.ValidHeaderFieldValue: no control characters but tab. */
export function validHeaderValue(value: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
  return !/[\x00-\x08\x0a-\x1f\x7f]/.test(value);
}

/**
 * The http check's `headers: {Name: value}`, written into the request as they are: a name that is
 * not a token or a value with CR/LF would split the request (Go's transport refuses both).
 * Values may be credentials: never quoted.
 */
export function parseHeaders(raw: Raw, where: string): Record<string, string> {
  const headers = stringMap(raw, "headers", where);
  for (const [name, value] of Object.entries(headers)) {
    if (!token.test(name))
      throw new Error(`${where}.headers: ${JSON.stringify(name)} is not a valid header name`);
    if (!validHeaderValue(value))
      throw new Error(`${where}.headers.${name}: not a valid header value (control characters)`);
  }
  return headers;
}

export function parseHttpHeaders(raw: Raw, where: string): AddedHeader[] {
  const at = `${where}.http_headers`;
  return Object.entries(mapping(raw, "http_headers", where)).map(([name, item]) => {
    const here = `${at}.${name}`;
    if (!token.test(name)) throw new Error(`${here}: not a valid header name`);
    const canonical = canonicalHeaderName(name);
    if (reserved.has(canonical))
      throw new Error(`${at}: setting header "${canonical}" is not allowed`);
    if (!isMapping(item)) throw new Error(`${here}: expected {values, secrets, files}`);
    onlyKeys(item, ["values", "secrets", "files"], here);
    const header: AddedHeader = {
      name: canonical,
      values: stringList(item, "values", here),
      secrets: stringList(item, "secrets", here),
      files: stringList(item, "files", here),
    };
    for (const key of ["values", "secrets"] as const)
      header[key].forEach((value, index) => {
        if (!validHeaderValue(value))
          throw new Error(
            `${here}.${key}[${index}]: not a valid header value (control characters)`,
          );
      });
    return header;
  });
}

/** The header lines for one request, files read now; an unreadable file is an error naming it. */
export async function addedHeaderLines(headers: AddedHeader[]): Promise<[string, string][]> {
  const lines: [string, string][] = [];
  for (const header of headers) {
    for (const value of [...header.values, ...header.secrets]) lines.push([header.name, value]);
    for (const file of header.files) {
      let text: string;
      try {
        text = (await Bun.file(file).text()).trim();
      } catch (error) {
        throw new Error(
          `http_headers ${header.name}: reading ${file}: ${(error as Error).message}`,
        );
      }
      if (!validHeaderValue(text))
        throw new Error(
          `http_headers ${header.name}: ${file} does not hold a valid header value (control characters)`,
        );
      lines.push([header.name, text]);
    }
  }
  return lines;
}
