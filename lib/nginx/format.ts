/**
 * nginx log_format strings -> a list of literal/variable segments the byte scanner walks.
 * Also reads a named log_format straight from an nginx.conf.
 */
import { readFileSync } from "node:fs";

export type Escape = "default" | "json" | "none";

export interface Segment {
  /** Bytes that must follow the previous variable (or start the line). */
  literal: Uint8Array;
  /** Variable name after the literal, without "$"; undefined for the trailing literal. */
  variable?: string;
}

export interface LogFormat {
  name: string;
  text: string;
  escape: Escape;
  /** Literal before the first variable, then one entry per variable with the literal after it. */
  leading: Uint8Array;
  variables: string[];
  /** literals[i] follows variables[i]; the last may be empty (variable runs to the line end). */
  literals: Uint8Array[];
}

export const presets: Record<string, string> = {
  combined:
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"',
  main: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"',
  common: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent',
  /** combined + request and upstream times: what the bench generates and many sites log. */
  timed:
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time',
};

const encoder = new TextEncoder();

/** Compiles a log_format string; throws an Error naming the problem. */
export function compileFormat(
  text: string,
  escaping: Escape = "default",
  name = "custom",
): LogFormat {
  const variables: string[] = [];
  const literals: string[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "$") {
      let nameText: string;
      if (text[i + 1] === "{") {
        const close = text.indexOf("}", i + 2);
        if (close < 0) throw new Error(`log_format "${name}": unclosed "\${" at offset ${i}`);
        nameText = text.slice(i + 2, close);
        i = close + 1;
      } else {
        const match = /^[A-Za-z0-9_]+/.exec(text.slice(i + 1));
        if (!match) {
          literal += ch;
          i++;
          continue;
        }
        nameText = match[0];
        i += 1 + nameText.length;
      }
      if (variables.length > 0 && literal === "")
        throw new Error(
          `log_format "${name}": $${variables[variables.length - 1]} and $${nameText} have nothing between them, so they cannot be told apart`,
        );
      literals.push(literal);
      variables.push(nameText);
      literal = "";
    } else {
      literal += ch;
      i++;
    }
  }
  literals.push(literal);
  if (variables.length === 0) throw new Error(`log_format "${name}" has no variables`);
  const [leading = "", ...after] = literals;
  return {
    name,
    text,
    escape: escaping,
    leading: encoder.encode(leading),
    variables,
    literals: after.map((l) => encoder.encode(l)),
  };
}

/** A preset name or a literal format string. */
export function resolveFormat(spec: string | undefined, escaping?: Escape): LogFormat {
  const name = spec ?? "combined";
  const preset = presets[name];
  if (preset !== undefined) return compileFormat(preset, escaping ?? "default", name);
  if (!name.includes("$"))
    throw new Error(
      `--format "${name}" is neither a preset (${Object.keys(presets).join(", ")}) nor a log_format string`,
    );
  // Written as in nginx.conf: its \t \" ... escapes mean what nginx makes of them.
  const text = readConfEscapes(name);
  return compileFormat(text, escaping ?? (text.trimStart().startsWith("{") ? "json" : "default"));
}

/** A log_format string's backslash pairs read as nginx reads them in nginx.conf (see confEscape). */
export function readConfEscapes(text: string): string {
  return text.replace(/\\([\s\S])/g, (_pair, next: string) => confEscape(next));
}

/** Finds `log_format NAME [escape=...] '...' '...';` in an nginx.conf text. */
export function formatFromConf(
  confText: string,
  formatName: string,
  file = "nginx.conf",
): LogFormat {
  const tokens = tokenizeConf(confText);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] !== "log_format" || tokens[i + 1] !== formatName) continue;
    let j = i + 2;
    let escaping: Escape = "default";
    const parts: string[] = [];
    for (; j < tokens.length && tokens[j] !== ";"; j++) {
      const token = tokens[j] ?? "";
      if (parts.length === 0 && token.startsWith("escape=")) {
        const value = token.slice(7);
        if (value !== "default" && value !== "json" && value !== "none")
          throw new Error(`${file}: log_format ${formatName}: unknown ${token}`);
        escaping = value;
      } else parts.push(token);
    }
    return compileFormat(parts.join(""), escaping, formatName);
  }
  if (formatName === "combined")
    return compileFormat(presets.combined ?? "", "default", "combined");
  const names = tokens.filter((_token, i) => i > 0 && tokens[i - 1] === "log_format");
  throw new Error(
    `${file}: no log_format named "${formatName}"${names.length ? ` (found: ${names.join(", ")})` : ""}`,
  );
}

export function formatFromConfFile(path: string, formatName: string): LogFormat {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`--nginx-conf ${path}: ${(error as Error).message}`);
  }
  return formatFromConf(text, formatName, path);
}

/** nginx config tokens: quoted strings unquoted, comments dropped, ";" "{" "}" separate. */
function tokenizeConf(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (ch === ";" || ch === "{" || ch === "}") {
      tokens.push(ch);
      i++;
    } else if (ch === "'" || ch === '"') {
      let value = "";
      i++;
      while (i < text.length && text[i] !== ch) {
        if (text[i] === "\\" && i + 1 < text.length) {
          value += confEscape(text[i + 1] as string);
          i += 2;
        } else value += text[i++];
      }
      i++;
      tokens.push(value);
    } else {
      let value = "";
      while (i < text.length && !/[\s;{}]/.test(text[i] as string)) value += text[i++];
      tokens.push(value);
    }
  }
  return tokens;
}

/**
 * A backslash pair in an nginx.conf string, as nginx's own parser reads it: \t \r \n are control
 * characters (tab-separated log_formats), \" \' \\ the character, anything else stays as written.
 */
function confEscape(next: string): string {
  if (next === "t") return "\t";
  if (next === "r") return "\r";
  if (next === "n") return "\n";
  if (next === '"' || next === "'" || next === "\\") return next;
  return `\\${next}`;
}
