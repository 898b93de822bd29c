/** Parsers for the value types flags, env vars and config files share. */

const sizeUnits: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/** "10M", "1.5GiB", "200kb", "4096" -> bytes. Throws with a reason on anything else. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? sizeUnits[match[2]?.toLowerCase() ?? ""] : undefined;
  if (!match || unit === undefined) {
    throw new Error(`"${text}" is not a size (examples: 4096, 10M, 1.5GiB)`);
  }
  const bytes = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new Error(`"${text}" is too large a size`);
  return bytes;
}

const durationUnits: Record<string, number> = {
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
};

/**
 * Timers wait at most 2^31-1 ms (24.8 days): a longer delay fires at once, so an interval of 30d
 * would run every millisecond and a deadline of 30d would expire at once.
 */
export const maxTimerSeconds = 2_147_483;

/** "90s", "15m", "1h30m", "7d", "2w", "500ms", "30" (seconds) -> seconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    if (!Number.isFinite(Number(trimmed))) throw new Error(`"${text}" is too long a duration`);
    return Number(trimmed);
  }
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(trimmed); match; match = part.exec(trimmed)) {
    total += Number(match[1]) * (durationUnits[match[2] ?? ""] ?? 0);
    consumed = part.lastIndex;
  }
  if (trimmed === "" || consumed !== trimmed.length) {
    throw new Error(`"${text}" is not a duration (examples: 30s, 15m, 1h30m, 7d)`);
  }
  if (!Number.isFinite(total)) throw new Error(`"${text}" is too long a duration`);
  return total;
}

/** A finite number; integers only when asked, as plain decimal digits (Number() takes 1e3, 0x10). */
export function parseNumber(text: string, integer = false): number {
  const value = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(value) || (integer && !/^-?\d+$/.test(text.trim()))) {
    throw new Error(`"${text}" is not ${integer ? "a whole number" : "a number"}`);
  }
  // Past 2^53 digits stop counting (9007199254740993 reads as ...992): refused, not rounded.
  if (integer && !Number.isSafeInteger(value)) throw new Error(`"${text}" is too large`);
  return value;
}

const truthy = new Set(["1", "true", "yes", "on"]);
const falsy = new Set(["0", "false", "no", "off", ""]);

/** Environment-style booleans: 1/0, true/false, yes/no, on/off. */
export function parseBoolean(text: string): boolean {
  const lower = text.trim().toLowerCase();
  if (truthy.has(lower)) return true;
  if (falsy.has(lower)) return false;
  throw new Error(`"${text}" is not a boolean (use true/false, 1/0, yes/no)`);
}
