/** The OTLP exporter for each signal and protocol, configured from SignalConfig alone. */

import { OTLPLogExporter as JsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import {
  OTLPMetricExporter as JsonMetricExporter,
  OTLPMetricExporterBase,
} from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import {
  createOtlpNetworkExportDelegate,
  ExporterMetrics,
  OTLPExporterBase,
} from "@opentelemetry/otlp-exporter-base";
import {
  type IExporterMetricsHelper,
  type ISerializer,
  LogsExporterMetricsHelper,
  MetricsExporterMetricsHelper,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
  TraceExporterMetricsHelper,
} from "@opentelemetry/otlp-transformer";
import type { LogRecordExporter, ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";
import type { SignalConfig } from "./config.ts";
import { grpcPaths, grpcTransport } from "./grpc-transport.ts";

function options(signal: SignalConfig) {
  return { url: signal.url, headers: signal.headers, timeoutMillis: signal.timeoutMs };
}

/** The SDK's export pipeline (bounded concurrency, timeout, serializer) over our gRPC transport. */
function grpcDelegate<Internal, Response>(
  signal: SignalConfig,
  path: string,
  serializer: ISerializer<Internal, Response>,
  metricsHelper: IExporterMetricsHelper<Internal>,
) {
  return createOtlpNetworkExportDelegate(
    { timeoutMillis: signal.timeoutMs, concurrencyLimit: 30, compression: "none" },
    serializer,
    new ExporterMetrics({
      componentType: "otlp_grpc_exporter",
      metricsHelper,
      url: signal.url,
      meterProvider: undefined,
      responseAttributesFromError: () => ({}),
    }),
    grpcTransport(signal.url, path, signal.headers, signal.tls),
  );
}

export function spanExporter(signal: SignalConfig): SpanExporter {
  if (signal.protocol === "http/protobuf") return new ProtoTraceExporter(options(signal));
  if (signal.protocol === "http/json") return new JsonTraceExporter(options(signal));
  return new OTLPExporterBase<ReadableSpan[]>(
    grpcDelegate(signal, grpcPaths.traces, ProtobufTraceSerializer, TraceExporterMetricsHelper),
  );
}

export function metricExporter(signal: SignalConfig): PushMetricExporter {
  if (signal.protocol === "http/protobuf") return new ProtoMetricExporter(options(signal));
  if (signal.protocol === "http/json") return new JsonMetricExporter(options(signal));
  return new OTLPMetricExporterBase(
    grpcDelegate<ResourceMetrics, unknown>(
      signal,
      grpcPaths.metrics,
      ProtobufMetricsSerializer,
      MetricsExporterMetricsHelper,
    ),
  );
}

export function logExporter(signal: SignalConfig): LogRecordExporter {
  if (signal.protocol === "http/protobuf") return new ProtoLogExporter(options(signal));
  if (signal.protocol === "http/json") return new JsonLogExporter(options(signal));
  return new OTLPExporterBase<ReadableLogRecord[]>(
    grpcDelegate(signal, grpcPaths.logs, ProtobufLogsSerializer, LogsExporterMetricsHelper),
  );
}
