/** Small readers for the kinds' settings: each throws an Error naming the key and the problem. */
import { parseDuration, parseSize } from "../cli/values.ts";
import { Re2Unsupported, re2ToJs } from "./re2.ts";

export type Raw = Record<string, unknown>;

/** A Prometheus label name (prometheus/common model.LabelNameRE). */
export const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isMapping(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function mapping(raw: Raw, key: string, where: string): Raw {
  const value = raw[key];
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) throw new Error(`${where}.${key}: expected a mapping`);
  return value;
}

export function optString(raw: Raw, key: string, where: string): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" && typeof value !== "number")
    throw new Error(`${where}.${key}: expected a string`);
  return String(value);
}

export function string(raw: Raw, key: string, where: string, fallback?: string): string {
  const value = optString(raw, key, where) ?? fallback;
  if (value === undefined || value === "") throw new Error(`${where}.${key}: required`);
  return value;
}

export function bool(raw: Raw, key: string, where: string, fallback: boolean): boolean {
  const value = raw[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") throw new Error(`${where}.${key}: expected true or false`);
  return value;
}

export function optNumber(raw: Raw, key: string, where: string): number | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new Error(`${where}.${key}: expected a number`);
  return value;
}

/** Seconds from "30s", "5m", "1h30m" or a bare number of seconds. */
export function optDuration(raw: Raw, key: string, where: string): number | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  try {
    const seconds = typeof value === "number" ? value : parseDuration(String(value));
    if (!(seconds > 0)) throw new Error(`"${value}" must be more than zero`);
    // YAML's .inf: a timer takes it as 1 ms (an interval would run its check in a busy loop).
    if (!Number.isFinite(seconds)) throw new Error(`"${value}" is not a finite duration`);
    return seconds;
  } catch (error) {
    throw new Error(`${where}.${key}: ${(error as Error).message}`);
  }
}

export function optSize(raw: Raw, key: string, where: string): number | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  try {
    const bytes = typeof value === "number" ? value : parseSize(String(value));
    // YAML gives -1, .nan and .inf as numbers: a NaN cap never trips, a negative one always does.
    if (!(Number.isFinite(bytes) && bytes >= 0))
      throw new Error(`"${value}" is not a size (0 or more bytes, e.g. 4096, 10M)`);
    return bytes;
  } catch (error) {
    throw new Error(`${where}.${key}: ${(error as Error).message}`);
  }
}

export function stringList(raw: Raw, key: string, where: string): string[] {
  const value = raw[key];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, index) => {
    if (typeof item !== "string" && typeof item !== "number")
      throw new Error(`${where}.${key}[${index}]: expected a string`);
    return String(item);
  });
}

export function numberList(raw: Raw, key: string, where: string): number[] {
  const value = raw[key];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, index) => {
    if (typeof item !== "number" || !Number.isInteger(item))
      throw new Error(`${where}.${key}[${index}]: expected a whole number`);
    return item;
  });
}

const regexTexts = new WeakMap<RegExp, string>();

/** A regex in Go's RE2 syntax, as blackbox_exporter reads it (lib/exporter/re2.ts). */
export function regex(text: string, where: string): RegExp {
  let re: RegExp;
  try {
    const js = re2ToJs(text);
    re = new RegExp(js.source, js.flags);
  } catch (error) {
    const what =
      error instanceof Re2Unsupported
        ? "unsupported regular expression"
        : "not a valid regular expression:";
    throw new Error(`${where}: ${what} ${JSON.stringify(text)}: ${(error as Error).message}`);
  }
  regexTexts.set(re, text);
  return re;
}

/** The regex as the config wrote it, for messages (its source is the JS translation). */
export function regexText(re: RegExp): string {
  return regexTexts.get(re) ?? re.source;
}

export function regexList(raw: Raw, key: string, where: string): RegExp[] {
  return stringList(raw, key, where).map((text, index) => regex(text, `${where}.${key}[${index}]`));
}

export function stringMap(raw: Raw, key: string, where: string): Record<string, string> {
  const value = mapping(raw, key, where);
  const out: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== "string" && typeof item !== "number" && typeof item !== "boolean")
      throw new Error(`${where}.${key}.${name}: expected a string`);
    out[name] = String(item);
  }
  return out;
}

/** Keys the reader does not know are errors: a typo must not silently disable a condition. */
export function onlyKeys(raw: Raw, known: readonly string[], where: string): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key))
      throw new Error(`${where}: unknown key "${key}" (known: ${[...known].sort().join(", ")})`);
  }
}
