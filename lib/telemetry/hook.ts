/**
 * OpenTelemetry for a tool run, loaded by the runner only when an OTLP endpoint is configured:
 * a span for the run (children via withSpan), the tool's prom-client metrics and its log records,
 * batched in bounded queues and flushed at the end within the export timeout (1 s by default).
 * A dead or slow collector costs at most that, one warning on stderr, and never the tool's output
 * or exit code.
 */

import {
  type Context,
  context,
  ROOT_CONTEXT,
  SeverityNumber,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { setGlobalErrorHandler } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { describeError } from "../cli/errors.ts";
import type { TelemetryHook } from "../cli/run-tool.ts";
import type { ToolContext } from "../cli/types.ts";
import { buildInfo } from "../cli/version.ts";
import { type TelemetryConfig, telemetryConfig } from "./config.ts";
import { logExporter, metricExporter, spanExporter } from "./exporters.ts";
import { emitLogRecord } from "./log-bridge.ts";
import { PromRegistryProducer } from "./prom-bridge.ts";
import { resourceAttributes } from "./resource.ts";
import { setTracing, traceUnitsSeparately } from "./span.ts";
import { errorMessage, SdkTracing } from "./tracing.ts";

/** Bounded queues: a flood of spans or logs drops the excess instead of growing the heap. */
const maxQueueSize = 2048;
const maxExportBatchSize = 512;

export interface TelemetryRun {
  end(exitCode: number, error?: unknown): Promise<void>;
}

export const telemetryHook: TelemetryHook = (ctx) => startTelemetry(ctx);

export async function startTelemetry(ctx: ToolContext): Promise<TelemetryRun> {
  const config = telemetryConfig(ctx.env, {
    endpoint: ctx.options.otlpEndpoint,
    protocol: ctx.options.otlpProtocol,
  });
  if (!config.traces && !config.metrics && !config.logs) return { end: async () => {} };

  const build = buildInfo();
  const resource = resourceFromAttributes(resourceAttributes(ctx.tool, build, config, ctx.env));
  const destination = describeDestination(config);
  let open = true;
  let warned = false;
  const warnOnce = (message: string) => {
    if (warned || !open) return;
    warned = true;
    ctx.log.warn(`telemetry: ${message}`);
  };
  setGlobalErrorHandler((error) =>
    warnOnce(`export to ${destination} failed: ${describeError(error)}`),
  );
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);

  const flushers: (() => Promise<void>)[] = [];
  const stoppers: (() => Promise<void>)[] = [];

  let runContext: Context = ROOT_CONTEXT;
  let endRunSpan: (exitCode: number, error: unknown) => void = () => {};
  let tracing: SdkTracing | undefined;
  if (config.traces) {
    const provider = new TracerProvider({
      resource,
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: spanExporter(config.traces),
          scheduledDelayMillis: config.spanDelayMs,
          exportTimeoutMillis: config.traces.timeoutMs,
          maxQueueSize,
          maxExportBatchSize,
        }),
      ],
    });
    const tracer = provider.getTracer("opsctl", build.version);
    const runSpan = tracer.startSpan(
      ctx.tool,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          "opsctl.tool": ctx.tool,
          "opsctl.positionals": ctx.positionals.length,
          "opsctl.dry_run": Boolean((ctx.options as Record<string, unknown>).dryRun),
        },
      },
      ROOT_CONTEXT,
    );
    runContext = trace.setSpan(ROOT_CONTEXT, runSpan);
    tracing = new SdkTracing(tracer, runContext);
    setTracing(tracing);
    endRunSpan = (exitCode, error) => {
      runSpan.setAttribute("process.exit.code", exitCode);
      if (error !== undefined) {
        runSpan.recordException(error instanceof Error ? error : String(error));
        runSpan.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      } else if (exitCode !== 0)
        runSpan.setStatus({ code: SpanStatusCode.ERROR, message: `exit code ${exitCode}` });
      runSpan.end();
    };
    flushers.push(() => provider.forceFlush());
    stoppers.push(() => provider.shutdown());
  }

  let emitRunError: (error: unknown) => void = () => {};
  if (config.logs) {
    const provider = new LoggerProvider({
      resource,
      processors: [
        new BatchLogRecordProcessor({
          exporter: logExporter(config.logs),
          scheduledDelayMillis: config.logDelayMs,
          exportTimeoutMillis: config.logs.timeoutMs,
          maxQueueSize,
          maxExportBatchSize,
        }),
      ],
    });
    const logger = provider.getLogger("opsctl", build.version);
    const currentContext = () => tracing?.activeContext() ?? context.active();
    ctx.log.addSink((record) => {
      if (open) emitLogRecord(logger, record, currentContext());
    });
    // The runner prints a thrown error itself (not through ctx.log): ship it as a log record too.
    emitRunError = (error) =>
      logger.emit({
        severityNumber: SeverityNumber.ERROR,
        severityText: "ERROR",
        body: describeError(error),
        attributes: {
          "exception.type": error instanceof Error ? error.name : typeof error,
          "exception.message": errorMessage(error),
        },
        context: runContext,
      });
    flushers.push(() => provider.forceFlush());
    stoppers.push(() => provider.shutdown());
  }

  if (config.metrics) {
    const reader = new PeriodicExportingMetricReader({
      exporter: metricExporter(config.metrics),
      exportIntervalMillis: config.metricIntervalMs,
      exportTimeoutMillis: Math.min(config.metrics.timeoutMs, config.metricIntervalMs),
      metricProducers: [new PromRegistryProducer(ctx.metrics.registry, "opsctl", build.version)],
    });
    const provider = new MeterProvider({ resource, readers: [reader] });
    flushers.push(() => provider.forceFlush());
    stoppers.push(() => provider.shutdown());
  }

  return {
    async end(exitCode, error) {
      endRunSpan(exitCode, error);
      if (error !== undefined) emitRunError(error);
      setTracing(undefined);
      traceUnitsSeparately(false);
      const budgetMs = flushBudgetMs(config);
      const results = await withinDeadline(
        Promise.allSettled(flushers.map((flush) => flush())),
        budgetMs,
      );
      if (!results)
        warnOnce(`${destination} did not take the telemetry within ${budgetMs} ms; dropped it`);
      const failure = results?.find((result) => result.status === "rejected");
      if (failure) warnOnce(`export to ${destination} failed: ${describeError(failure.reason)}`);
      open = false;
      // Shutdown stops the timers; nothing waits for it (the process is about to exit).
      for (const stop of stoppers) stop().catch(() => {});
      context.disable();
    },
  };
}

/** The longest export timeout of the enabled signals: they flush in parallel. */
function flushBudgetMs(config: TelemetryConfig): number {
  return Math.max(
    config.traces?.timeoutMs ?? 0,
    config.metrics?.timeoutMs ?? 0,
    config.logs?.timeoutMs ?? 0,
  );
}

/** The work's result, or undefined when it did not finish in time. */
async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function describeDestination(config: TelemetryConfig): string {
  const urls = new Set(
    [config.traces, config.metrics, config.logs]
      .filter((signal) => signal !== undefined)
      .map((signal) => `${new URL(signal.url).origin} (${signal.protocol})`),
  );
  return [...urls].join(", ");
}
