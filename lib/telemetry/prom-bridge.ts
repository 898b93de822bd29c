/**
 * One definition, two outputs: the tool's prom-client registry (what /metrics, the Pushgateway
 * and the textfile show) and any source added with addOtlpMetricSource, read at each collection and handed to the OTel SDK as OTLP metric data,
 * under the same names and labels. Counters become monotonic cumulative sums, gauges gauges,
 * histograms explicit-bucket histograms (untyped: gauges); a summary becomes its quantile gauges plus
 * <name>_sum/<name>_count sums (the JS SDK has no summary point type).
 */

import { type Attributes, type HrTime, ValueType } from "@opentelemetry/api";
import { hrTime } from "@opentelemetry/core";
import { emptyResource } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  type CollectionResult,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type MetricProducer,
} from "@opentelemetry/sdk-metrics";
import type { MetricObjectWithValues, MetricValue, Registry } from "prom-client";
import { type MetricSource, otlpMetricSources } from "./metric-sources.ts";
import { parseExposition } from "./prom-text.ts";

export class PromRegistryProducer implements MetricProducer {
  /** Cumulative series start with the process (a run) or the daemon. */
  private readonly startTime: HrTime = hrTime(performance.timeOrigin);

  constructor(
    private readonly registry: Registry,
    private readonly scopeName = "opsctl",
    private readonly scopeVersion?: string,
  ) {}

  async collect(): Promise<CollectionResult> {
    const families: Family[] = [];
    const seen = new Set<string>();
    const errors: unknown[] = [];
    for (const source of [this.registry, ...otlpMetricSources()]) {
      try {
        for (const family of await familiesOf(source)) {
          // Two sources with the same family (process_* in two registries): the first wins.
          if (seen.has(family.name)) continue;
          seen.add(family.name);
          families.push(family);
        }
      } catch (error) {
        errors.push(error);
      }
    }
    const now = hrTime();
    const metrics = families.flatMap((family) => toMetricData(family, this.startTime, now));
    return {
      resourceMetrics: {
        // The reader replaces this with the MeterProvider's resource.
        resource: emptyResource(),
        scopeMetrics: [
          {
            scope: {
              name: this.scopeName,
              ...(this.scopeVersion ? { version: this.scopeVersion } : {}),
            },
            metrics,
          },
        ],
      },
      errors,
    };
  }
}

async function familiesOf(source: MetricSource): Promise<Family[]> {
  if (typeof source === "function") return parseExposition(await source()) as unknown as Family[];
  return (await source.getMetricsAsJSON()) as Family[];
}

type Family = MetricObjectWithValues<MetricValue<string>>;
type PromValue = { value: number; labels: Record<string, string | number>; metricName?: string };

export function toMetricData(family: Family, startTime: HrTime, endTime: HrTime): MetricData[] {
  const values = family.values as PromValue[];
  const descriptor = {
    name: family.name,
    description: family.help,
    unit: unitOf(family.name),
    valueType: ValueType.DOUBLE,
  };
  const point = (value: PromValue): DataPoint<number> => ({
    startTime,
    endTime,
    attributes: attributesOf(value.labels),
    value: value.value,
  });
  switch (String(family.type)) {
    case "counter":
      return [
        {
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          dataPoints: values.map(point),
        },
      ];
    case "gauge":
    case "untyped":
      return [
        {
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.GAUGE,
          dataPoints: values.map(point),
        },
      ];
    case "histogram":
      return [
        {
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: histogramPoints(family.name, values, startTime, endTime),
        },
      ];
    case "summary":
      return summaryMetrics(family, values, point);
    default:
      return [];
  }
}

/** prom-client lists cumulative `le` buckets, then _sum and _count, per label set. */
function histogramPoints(
  name: string,
  values: PromValue[],
  startTime: HrTime,
  endTime: HrTime,
): DataPoint<Histogram>[] {
  const series = new Map<
    string,
    {
      labels: Record<string, string | number>;
      buckets: [number, number][];
      sum: number;
      count: number;
    }
  >();
  for (const value of values) {
    const { le, ...labels } = value.labels;
    const key = JSON.stringify(Object.entries(labels).sort());
    let entry = series.get(key);
    if (!entry) {
      entry = { labels, buckets: [], sum: 0, count: 0 };
      series.set(key, entry);
    }
    if (value.metricName === `${name}_sum`) entry.sum = value.value;
    else if (value.metricName === `${name}_count`) entry.count = value.value;
    else if (le !== undefined && String(le) !== "+Inf")
      entry.buckets.push([Number(le), value.value]);
  }
  return [...series.values()].map((entry) => {
    entry.buckets.sort((a, b) => a[0] - b[0]);
    const boundaries = entry.buckets.map(([bound]) => bound);
    const counts: number[] = [];
    let previous = 0;
    for (const [, cumulative] of entry.buckets) {
      counts.push(cumulative - previous);
      previous = cumulative;
    }
    counts.push(entry.count - previous);
    return {
      startTime,
      endTime,
      attributes: attributesOf(entry.labels),
      value: { buckets: { boundaries, counts }, sum: entry.sum, count: entry.count },
    };
  });
}

function summaryMetrics(
  family: Family,
  values: PromValue[],
  point: (value: PromValue) => DataPoint<number>,
): MetricData[] {
  const base = { description: family.help, valueType: ValueType.DOUBLE };
  const pick = (suffix: string) => values.filter((v) => v.metricName === `${family.name}${suffix}`);
  const sum = (suffix: string, unit: string): MetricData => ({
    descriptor: { ...base, name: `${family.name}${suffix}`, unit },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: pick(suffix).map(point),
  });
  return [
    {
      descriptor: { ...base, name: family.name, unit: unitOf(family.name) },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: values.filter((v) => v.labels.quantile !== undefined).map(point),
    },
    sum("_sum", unitOf(family.name)),
    sum("_count", "1"),
  ];
}

function attributesOf(labels: Record<string, string | number>): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(labels)) attributes[key] = String(value);
  return attributes;
}

/** UCUM unit from the Prometheus base-unit suffix, so backends can convert and label axes. */
export function unitOf(name: string): string {
  const base = name.replace(/_total$/, "");
  if (base.endsWith("_seconds")) return "s";
  if (base.endsWith("_bytes")) return "By";
  if (base.endsWith("_ratio")) return "1";
  return "";
}
