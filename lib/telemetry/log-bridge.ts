/** The tool's structured log records (ctx.log) as OTLP log records, in the current span's trace. */

import { type AnyValue, type Context, type Logger, SeverityNumber } from "@opentelemetry/api";
import type { LogLevel, LogRecord } from "../cli/log.ts";

const severity: Record<LogLevel, SeverityNumber> = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};

export function emitLogRecord(logger: Logger, record: LogRecord, context: Context): void {
  logger.emit({
    timestamp: record.time,
    severityNumber: severity[record.level],
    severityText: record.level.toUpperCase(),
    body: record.msg,
    attributes: logAttributes(record.fields),
    context,
  });
}

/** Scalars stay typed; anything else (objects, errors) becomes JSON text so nothing is lost. */
export function logAttributes(fields: Record<string, unknown>): Record<string, AnyValue> {
  const attributes: Record<string, AnyValue> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      attributes[key] = value;
    else if (value instanceof Error) attributes[key] = value.message;
    else attributes[key] = safeJson(value);
  }
  return attributes;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
