// Shared readers for rule args from YAML: durations accept "90s"/"15m" or seconds, every error
// names the key path so a config mistake is found at once.
import { ConfigError } from "../../cli/errors.ts";
import { parseDuration } from "../../cli/values.ts";

export function checkKeys(raw: Record<string, unknown>, allowed: string[], where: string): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(
        `${where}: unknown key "${key}" (expected one of: ${allowed.join(", ")})`,
      );
    }
  }
}

export function readBoolean(
  raw: Record<string, unknown>,
  key: string,
  fallback: boolean,
  where: string,
): boolean {
  const value = raw[key];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new ConfigError(`${where}.${key}: expected true or false`);
  return value;
}

export function readInteger(
  raw: Record<string, unknown>,
  key: string,
  fallback: number,
  where: string,
  min = 0,
): number {
  const value = raw[key];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ConfigError(
      `${where}.${key}: expected a whole number >= ${min}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function readNumber(
  raw: Record<string, unknown>,
  key: string,
  fallback: number,
  where: string,
  min: number,
  max: number,
): number {
  const value = raw[key];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(
      `${where}.${key}: expected a number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** A duration in seconds from "10m", "90s" or a number of seconds, at least `min` seconds. */
export function readDuration(
  raw: Record<string, unknown>,
  key: string,
  fallback: number,
  where: string,
  min = 0,
): number {
  const value = raw[key];
  if (value === undefined) return fallback;
  let seconds: number;
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) seconds = value;
  else if (typeof value === "string") {
    try {
      seconds = parseDuration(value);
    } catch (error) {
      throw new ConfigError(`${where}.${key}: ${(error as Error).message}`);
    }
  } else
    throw new ConfigError(
      `${where}.${key}: expected a duration such as 30s or 10m, got ${JSON.stringify(value)}`,
    );
  if (seconds < min)
    throw new ConfigError(
      `${where}.${key}: expected a duration of at least ${min}s, got ${JSON.stringify(value)}`,
    );
  return seconds;
}

export function readEnum<T extends string>(
  raw: Record<string, unknown>,
  key: string,
  fallback: T,
  choices: readonly T[],
  where: string,
): T {
  const value = raw[key];
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !choices.includes(value as T)) {
    throw new ConfigError(
      `${where}.${key}: expected one of ${choices.join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

export function readString(
  raw: Record<string, unknown>,
  key: string,
  fallback: string,
  where: string,
): string {
  const value = raw[key];
  if (value === undefined) return fallback;
  if (typeof value !== "string" || value === "")
    throw new ConfigError(`${where}.${key}: expected a non-empty string`);
  return value;
}
