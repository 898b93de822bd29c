/** --since/--until values: ISO 8601, "YYYY-MM-DD HH:MM[:SS]", nginx $time_local, or a duration ago ("2h"). */
import { parseDuration } from "../cli/values.ts";

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function parseTimeSpec(text: string, now: number, flag: string): number {
  const trimmed = text.trim();
  const local =
    /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(
      trimmed,
    );
  if (local) {
    const [, d, mon, y, h, m, s, sign, zh, zm] = local;
    const month = months.indexOf(mon ?? "");
    if (month >= 0) {
      checkCalendar(text, flag, Number(y), month + 1, Number(d), Number(h), Number(m), Number(s));
      const offset = (sign === "-" ? -1 : 1) * (Number(zh) * 3600 + Number(zm) * 60);
      return Date.UTC(Number(y), month, Number(d), Number(h), Number(m), Number(s)) / 1000 - offset;
    }
  }
  const isoDate = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(trimmed);
  if (isoDate) {
    const [, y, mo, d, h, mi, s] = isoDate.map((part) => Number(part ?? 0));
    checkCalendar(
      text,
      flag,
      y as number,
      mo as number,
      d as number,
      h as number,
      mi as number,
      s as number,
    );
    // A date-time without a zone is UTC (logs from many hosts; local time would be a guess).
    const withT = trimmed.replace(" ", "T");
    const zoned =
      /([zZ]|[+-]\d{2}:?\d{2})$/.test(withT) || withT.length === 10 ? withT : `${withT}Z`;
    const ms = Date.parse(withT.length === 10 ? `${withT}T00:00:00Z` : zoned);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  if (/^\d+(\.\d+)?$/.test(trimmed) && Number(trimmed) > 1e9) {
    // Past the year 5138 in seconds: a JavaScript or Java timestamp in milliseconds, not a time.
    if (Number(trimmed) >= 1e11)
      throw new Error(
        `${flag} "${text}": Unix seconds expected; this looks like milliseconds (${Math.floor(Number(trimmed) / 1000)} in seconds)`,
      );
    return Number(trimmed);
  }
  try {
    return now - parseDuration(trimmed);
  } catch {
    throw new Error(
      `${flag} "${text}": expected a time (2026-01-31T10:00:00Z, "2026-01-31 10:00", 31/Jan/2026:10:00:00 +0000, Unix seconds) or a duration ago (2h, 7d)`,
    );
  }
}

/**
 * Refuses a date the calendar does not have (31 February, 25:00): Date.UTC and Date.parse roll
 * them over into another day, which would filter on a time nobody asked for.
 */
function checkCalendar(
  text: string,
  flag: string,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): void {
  const date = new Date(Date.UTC(year, month - 1, day));
  const valid =
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60;
  if (!valid) throw new Error(`${flag} "${text}": no such date or time of day`);
}
