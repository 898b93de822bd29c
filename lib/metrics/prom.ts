/**
 * prom-client's classes, imported from their own modules rather than the package index: the
 * index also loads cluster aggregation and the default-metrics collectors, which under Bun cost a
 * compiled tool about 15 MB of RSS and tens of milliseconds at every start. Import metrics from
 * here, not from "prom-client" (type-only imports of "prom-client" are free).
 */
import type * as PromClient from "prom-client";
// @ts-expect-error prom-client ships types only for its index
import CounterClass from "prom-client/lib/counter";
// @ts-expect-error prom-client ships types only for its index
import GaugeClass from "prom-client/lib/gauge";
// @ts-expect-error prom-client ships types only for its index
import HistogramClass from "prom-client/lib/histogram";
// @ts-expect-error prom-client ships types only for its index
import RegistryClass from "prom-client/lib/registry";
// @ts-expect-error prom-client ships types only for its index
import SummaryClass from "prom-client/lib/summary";

export const Counter = CounterClass as typeof PromClient.Counter;
export type Counter<T extends string = string> = PromClient.Counter<T>;
export const Gauge = GaugeClass as typeof PromClient.Gauge;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
export const Histogram = HistogramClass as typeof PromClient.Histogram;
export type Histogram<T extends string = string> = PromClient.Histogram<T>;
export const Summary = SummaryClass as typeof PromClient.Summary;
export type Summary<T extends string = string> = PromClient.Summary<T>;
export const Registry = RegistryClass as typeof PromClient.Registry;
export type Registry = PromClient.Registry;
