import { describe, expect, test } from "bun:test";
import { DataPointType } from "@opentelemetry/sdk-metrics";
import { Counter, Gauge, Histogram, Registry, Summary } from "prom-client";
import { addOtlpMetricSource } from "../../lib/telemetry/metric-sources.ts";
import { PromRegistryProducer, unitOf } from "../../lib/telemetry/prom-bridge.ts";

async function collect(registry: Registry) {
  const result = await new PromRegistryProducer(registry).collect();
  return result.resourceMetrics.scopeMetrics[0]?.metrics ?? [];
}

describe("prom-client registry -> OTLP metric data", () => {
  test("counters, gauges and labelled histograms keep their names, labels and values", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ tool: "ffind" });
    const registers = [registry];
    new Counter({ name: "x_files_total", help: "files", labelNames: ["kind"], registers })
      .labels("log")
      .inc(3);
    new Gauge({ name: "x_free_bytes", help: "free", registers }).set(42);
    const histogram = new Histogram({
      name: "x_latency_seconds",
      help: "latency",
      labelNames: ["host"],
      buckets: [0.1, 1],
      registers,
    });
    histogram.observe({ host: "a" }, 0.05);
    histogram.observe({ host: "a" }, 0.5);
    histogram.observe({ host: "a" }, 5);
    histogram.observe({ host: "b" }, 0.5);

    const metrics = await collect(registry);
    const byName = new Map(metrics.map((m) => [m.descriptor.name, m]));
    const counter = byName.get("x_files_total");
    expect(counter?.dataPointType).toBe(DataPointType.SUM);
    expect(counter && "isMonotonic" in counter && counter.isMonotonic).toBe(true);
    expect(counter?.dataPoints[0]?.value).toBe(3);
    expect(counter?.dataPoints[0]?.attributes).toEqual({ kind: "log", tool: "ffind" });
    expect(byName.get("x_free_bytes")?.dataPointType).toBe(DataPointType.GAUGE);
    expect(byName.get("x_free_bytes")?.descriptor.unit).toBe("By");

    const latency = byName.get("x_latency_seconds");
    expect(latency?.dataPointType).toBe(DataPointType.HISTOGRAM);
    const a = latency?.dataPoints.find((p) => p.attributes.host === "a");
    expect(a?.attributes).toEqual({ host: "a", tool: "ffind" });
    expect(a?.value).toEqual({
      buckets: { boundaries: [0.1, 1], counts: [1, 1, 1] },
      sum: 5.55,
      count: 3,
    });
    const b = latency?.dataPoints.find((p) => p.attributes.host === "b");
    expect(b?.value).toEqual({
      buckets: { boundaries: [0.1, 1], counts: [0, 1, 0] },
      sum: 0.5,
      count: 1,
    });
  });

  test("a summary becomes quantile gauges plus _sum and _count sums", async () => {
    const registry = new Registry();
    const summary = new Summary({
      name: "x_size_bytes",
      help: "size",
      percentiles: [0.5],
      registers: [registry],
    });
    summary.observe(10);
    summary.observe(30);
    const metrics = await collect(registry);
    expect(metrics.map((m) => [m.descriptor.name, m.dataPointType])).toEqual([
      ["x_size_bytes", DataPointType.GAUGE],
      ["x_size_bytes_sum", DataPointType.SUM],
      ["x_size_bytes_count", DataPointType.SUM],
    ]);
    expect(metrics[0]?.dataPoints[0]?.attributes).toEqual({ quantile: "0.5" });
    expect(metrics[1]?.dataPoints[0]?.value).toBe(40);
    expect(metrics[2]?.dataPoints[0]?.value).toBe(2);
  });

  test("units from the Prometheus base-unit suffix", () => {
    expect(unitOf("opsctl_run_duration_seconds")).toBe("s");
    expect(unitOf("opsctl_logclean_freed_bytes_total")).toBe("By");
    expect(unitOf("opsctl_errors_total")).toBe("");
  });
});

describe("extra sources: another registry and Prometheus text", () => {
  test("what /metrics renders itself is exported too, typed by its # TYPE lines", async () => {
    const main = new Registry();
    new Counter({ name: "x_runs_total", help: "runs", registers: [main] }).inc();
    const own = new Registry();
    new Gauge({ name: "x_checks", help: "checks", registers: [own] }).set(3);
    new Counter({ name: "x_runs_total", help: "duplicate", registers: [own] }).inc(99);
    const text = [
      "# HELP x_check_success 1 if the check passed",
      "# TYPE x_check_success gauge",
      'x_check_success{check="web",kind="http"} 1',
      'x_check_success{check="db",kind="tcp",note="a \\"quoted\\" } brace"} 0',
      "# TYPE x_check_seconds histogram",
      'x_check_seconds_bucket{check="web",le="0.5"} 2',
      'x_check_seconds_bucket{check="web",le="+Inf"} 3',
      'x_check_seconds_sum{check="web"} 1.5',
      'x_check_seconds_count{check="web"} 3',
      "x_untyped 7 1700000000000",
      "not a sample line {",
    ].join("\n");
    const removeOwn = addOtlpMetricSource(own);
    const removeText = addOtlpMetricSource(() => text);
    try {
      const metrics = await collect(main);
      const byName = new Map(metrics.map((m) => [m.descriptor.name, m]));
      expect([...byName.keys()].sort()).toEqual([
        "x_check_seconds",
        "x_check_success",
        "x_checks",
        "x_runs_total",
        "x_untyped",
      ]);
      expect(byName.get("x_runs_total")?.dataPoints[0]?.value).toBe(1); // the tool's registry wins
      expect(byName.get("x_checks")?.dataPoints[0]?.value).toBe(3);
      const success = byName.get("x_check_success");
      expect(success?.dataPointType).toBe(DataPointType.GAUGE);
      expect(success?.descriptor.description).toBe("1 if the check passed");
      expect(success?.dataPoints.map((p) => [p.attributes, p.value])).toEqual([
        [{ check: "web", kind: "http" }, 1],
        [{ check: "db", kind: "tcp", note: 'a "quoted" } brace' }, 0],
      ]);
      expect(byName.get("x_check_seconds")?.dataPoints[0]?.value).toEqual({
        buckets: { boundaries: [0.5], counts: [2, 1] },
        sum: 1.5,
        count: 3,
      });
      expect(byName.get("x_untyped")?.dataPointType).toBe(DataPointType.GAUGE);
    } finally {
      removeOwn();
      removeText();
    }
    expect((await collect(main)).map((m) => m.descriptor.name)).toEqual(["x_runs_total"]);
  });
});
