/**
 * The real implementation behind withSpan(): spans from the SDK tracer, made current through
 * AsyncLocalStorage so nested and concurrent work (one span per host, awaited in parallel) gets
 * the right parent; the run's span is the parent of anything started outside another span.
 */

import {
  type Attributes,
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import {
  type SpanAttributes,
  type SpanHandle,
  type SpanOptions,
  type Tracing,
  unitsTracedSeparately,
} from "./span.ts";

const kinds = { internal: SpanKind.INTERNAL, client: SpanKind.CLIENT, server: SpanKind.SERVER };

export class SdkTracing implements Tracing {
  constructor(
    private readonly tracer: Tracer,
    private readonly runContext: Context,
  ) {}

  current(): SpanHandle | undefined {
    const span = trace.getSpan(context.active());
    return span ? spanHandle(span) : undefined;
  }

  /** The context new spans and log records belong to: the current span's, else the run's. */
  activeContext(): Context {
    const current = context.active();
    return trace.getSpan(current) ? current : this.runContext;
  }

  run<T>(
    name: string,
    attributes: SpanAttributes,
    options: SpanOptions,
    fn: (span: SpanHandle) => T,
  ): T {
    const insideSpan = trace.getSpan(context.active()) !== undefined;
    const newTrace = options.newTrace ?? (unitsTracedSeparately() && !insideSpan);
    const parent = newTrace ? ROOT_CONTEXT : this.activeContext();
    const runSpan = trace.getSpan(this.runContext);
    const span = this.tracer.startSpan(
      name,
      {
        attributes: toAttributes(attributes),
        kind: kinds[options.kind ?? "internal"],
        ...(newTrace && runSpan ? { links: [{ context: runSpan.spanContext() }] } : {}),
      },
      parent,
    );
    const handle = spanHandle(span);
    return context.with(trace.setSpan(parent, span), () => {
      let result: T;
      try {
        result = fn(handle);
      } catch (error) {
        handle.recordError(error);
        span.end();
        throw error;
      }
      if (!isPromiseLike(result)) {
        span.end();
        return result;
      }
      return result.then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          handle.recordError(error);
          span.end();
          throw error;
        },
      ) as T;
    });
  }
}

export function spanHandle(span: Span): SpanHandle {
  return {
    recording: span.isRecording(),
    setAttributes: (attributes) => span.setAttributes(toAttributes(attributes)),
    addEvent: (name, attributes) => span.addEvent(name, attributes && toAttributes(attributes)),
    recordError: (error) => {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
    },
    fail: (message) => span.setStatus({ code: SpanStatusCode.ERROR, message }),
  };
}

export function toAttributes(attributes: SpanAttributes): Attributes {
  const result: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) result[key] = value as Attributes[string];
  }
  return result;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isPromiseLike<T>(value: T): value is T & PromiseLike<Awaited<T>> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
