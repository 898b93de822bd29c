/**
 * The tracing API tools and engines call: `withSpan("ssh host", { "host.name": host }, async (span) => …)`.
 * It imports nothing from OpenTelemetry: when no OTLP endpoint is configured it calls `fn` with a
 * no-op span and costs one branch. lib/telemetry/hook.ts installs the real implementation.
 */

export type SpanAttributeValue =
  | string
  | number
  | boolean
  | readonly string[]
  | readonly number[]
  | readonly boolean[];
/** Undefined and null values are dropped, so callers can pass optional fields as they are. */
export type SpanAttributes = Record<string, SpanAttributeValue | undefined | null>;

export interface SpanHandle {
  /** False when telemetry is off: skip computing expensive attributes. */
  readonly recording: boolean;
  setAttributes(attributes: SpanAttributes): void;
  addEvent(name: string, attributes?: SpanAttributes): void;
  /** Records the error as an exception event and marks the span failed. */
  recordError(error: unknown): void;
  /** Marks the span failed (a host down, a check failing) without an exception. */
  fail(message: string): void;
}

export interface SpanOptions {
  /**
   * Starts a new trace linked to the run's span instead of a child of it. Default: only for
   * top-level spans of a daemon (see traceUnitsSeparately).
   */
  newTrace?: boolean;
  kind?: "internal" | "client" | "server";
}

/** What lib/telemetry/tracing.ts provides when telemetry is on. */
export interface Tracing {
  run<T>(
    name: string,
    attributes: SpanAttributes,
    options: SpanOptions,
    fn: (span: SpanHandle) => T,
  ): T;
  /** The span of the work running now (from withSpan), if any. */
  current(): SpanHandle | undefined;
}

const noopSpan: SpanHandle = {
  recording: false,
  setAttributes() {},
  addEvent() {},
  recordError() {},
  fail() {},
};

let tracing: Tracing | undefined;
let separateTraces = false;

/**
 * For daemons: a daemon's run span lasts as long as the process, so a trace under it would grow
 * forever and only be complete at shutdown. After this call every top-level unit of work (a
 * check, a patrol action) starts its own trace, linked to the run span. Nested spans are
 * unaffected. One line in the daemon's run(); a no-op without telemetry.
 */
export function traceUnitsSeparately(on = true): void {
  separateTraces = on;
}

export function unitsTracedSeparately(): boolean {
  return separateTraces;
}

/** Installed by lib/telemetry/hook.ts for the duration of a run. */
export function setTracing(implementation: Tracing | undefined): void {
  tracing = implementation;
}

export function tracingEnabled(): boolean {
  return tracing !== undefined;
}

/**
 * Runs `fn` inside a span named `name`, child of the current span (or of the tool's run span).
 * Ends the span when `fn` returns or its promise settles; a throw or rejection is recorded on
 * the span and rethrown unchanged.
 */
export function withSpan<T>(
  name: string,
  attributes: SpanAttributes,
  fn: (span: SpanHandle) => T,
  options: SpanOptions = {},
): T {
  if (!tracing) return fn(noopSpan);
  return tracing.run(name, attributes, options, fn);
}

/**
 * Marks the span of the work running now as failed, for code deep inside a unit of work that
 * handles a failure itself (logs it, counts it) without holding the span. No-op outside a span.
 */
export function failCurrentSpan(message: string): void {
  tracing?.current()?.fail(message);
}
