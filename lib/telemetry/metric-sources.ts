/**
 * Metrics a tool serves besides ctx.metrics.registry (a daemon's own registry, a store that
 * renders its own exposition text) register here once, so OTLP exports exactly what /metrics
 * shows. No OpenTelemetry imports: registering costs nothing when telemetry is off.
 */
import type { Registry } from "prom-client";

/** A prom-client registry, or a function returning Prometheus text exposition. */
export type MetricSource = Registry | (() => string | Promise<string>);

const sources = new Set<MetricSource>();

/** Adds a source to every OTLP metric export; returns a function that removes it. */
export function addOtlpMetricSource(source: MetricSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

export function otlpMetricSources(): MetricSource[] {
  return [...sources];
}
