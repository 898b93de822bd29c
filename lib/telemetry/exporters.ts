/** The OTLP exporter for each signal and protocol, configured from SignalConfig alone. */

import { OTLPLogExporter as JsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import { type SignalConfig, TelemetryConfigError } from "./config.ts";

function options(signal: SignalConfig) {
  return { url: signal.url, headers: signal.headers, timeoutMillis: signal.timeoutMs };
}

function unsupported(signal: SignalConfig): never {
  throw new TelemetryConfigError(
    `OTLP protocol "${signal.protocol}" is not built into this binary; use http/protobuf or http/json`,
  );
}

export function spanExporter(signal: SignalConfig): SpanExporter {
  if (signal.protocol === "http/protobuf") return new ProtoTraceExporter(options(signal));
  if (signal.protocol === "http/json") return new JsonTraceExporter(options(signal));
  return unsupported(signal);
}

export function metricExporter(signal: SignalConfig): PushMetricExporter {
  if (signal.protocol === "http/protobuf") return new ProtoMetricExporter(options(signal));
  if (signal.protocol === "http/json") return new JsonMetricExporter(options(signal));
  return unsupported(signal);
}

export function logExporter(signal: SignalConfig): LogRecordExporter {
  if (signal.protocol === "http/protobuf") return new ProtoLogExporter(options(signal));
  if (signal.protocol === "http/json") return new JsonLogExporter(options(signal));
  return unsupported(signal);
}
