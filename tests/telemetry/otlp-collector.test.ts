/**
 * Compiled tools send traces, metrics and logs over OTLP to a real OpenTelemetry Collector
 * (tests/env/otelcol.ts); we read back what the collector's file exporter wrote.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import packageJson from "../../package.json" with { type: "json" };
import {
  type Collector,
  type Received,
  startCollector,
  testEnv,
  waitForReceived,
} from "../env/otelcol.ts";
import { compiledTool, run } from "../helpers/compiled.ts";

let collector: Collector;
let fixture: string;

beforeAll(async () => {
  [collector, fixture] = await Promise.all([
    startCollector(),
    compiledTool("telemetry-fixture", "tests/fixtures/telemetry-tool.ts"),
  ]);
}, 600_000);

const hasRunSpan = (r: Received) => r.spans.some((s) => s.name === "sshping");
const complete = (r: Received) =>
  hasRunSpan(r) && r.logs.length > 0 && r.metrics.some((m) => m.name === "opsctl_last_exit_code");

describe("OTLP http/protobuf to a real collector", () => {
  let received: Received;
  let result: Awaited<ReturnType<typeof run>>;
  const textfile = join(tmpdir(), `opsctl-otlp-${process.pid}.prom`);

  beforeAll(async () => {
    const { id, env } = testEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpEndpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      K8S_POD_NAME: "patrol-7d9f",
      K8S_NAMESPACE_NAME: "ops",
      K8S_NODE_NAME: "node-1",
    });
    result = await run(
      [fixture, "alpha", "beta", "bad1", "throw1", "--metrics-textfile", textfile],
      { env },
    );
    received = await waitForReceived(collector, id, complete);
  }, 60_000);

  test("the tool's own output and exit code are untouched", () => {
    expect(result.stdout).toBe("units=4 ok=false\n");
    expect(result.exitCode).toBe(1);
    expect(result.stderr).not.toContain("telemetry:");
  });

  test("one run span named after the tool, ending with the exit code, failed", () => {
    const runs = received.spans.filter((s) => s.name === "sshping");
    expect(runs).toHaveLength(1);
    const runSpan = runs[0];
    expect(runSpan?.parentSpanId).toBe("");
    expect(runSpan?.attributes["process.exit.code"]).toBe(1);
    expect(runSpan?.status.code).toBe(2); // STATUS_CODE_ERROR
    expect(runSpan?.scope).toBe("opsctl");
  });

  test("a child span per unit with attributes; failures and exceptions recorded", () => {
    const runSpan = received.spans.find((s) => s.name === "sshping");
    const units = received.spans.filter((s) => s.name === "unit");
    expect(units.map((s) => s.attributes["unit.name"]).sort()).toEqual([
      "alpha",
      "bad1",
      "beta",
      "throw1",
    ]);
    for (const unit of units) {
      expect(unit.traceId).toBe(runSpan?.traceId ?? "missing");
      expect(unit.parentSpanId).toBe(runSpan?.spanId ?? "missing");
    }
    const byName = (name: string) => units.find((s) => s.attributes["unit.name"] === name);
    expect(byName("alpha")?.status.code ?? 0).toBe(0);
    expect(byName("bad1")?.status).toEqual({ code: 2, message: "bad1 is bad" });
    const thrown = byName("throw1");
    expect(thrown?.status.code).toBe(2);
    expect(thrown?.events[0]?.name).toBe("exception");
    expect(thrown?.events[0]?.attributes["exception.message"]).toBe("throw1: exploded");
  });

  test("nested spans are children of the span that was current (concurrent units)", () => {
    const units = received.spans.filter((s) => s.name === "unit");
    const steps = received.spans.filter((s) => s.name === "unit.step");
    expect(steps).toHaveLength(4);
    expect(steps.map((s) => s.parentSpanId).sort()).toEqual(units.map((s) => s.spanId).sort());
    expect(steps[0]?.attributes).toEqual({ step: "check", checked: true });
  });

  test("resource: service name and version, host, k8s downward-API attributes", () => {
    const resource = received.spans[0]?.resource ?? {};
    expect(resource["service.name"]).toBe("sshping");
    expect(resource["service.version"]).toBe(packageJson.version);
    expect(resource["host.name"]).toBe(hostname());
    expect(resource["k8s.pod.name"]).toBe("patrol-7d9f");
    expect(resource["k8s.namespace.name"]).toBe("ops");
    expect(resource["k8s.node.name"]).toBe("node-1");
    // Metrics and logs carry the same resource.
    expect(received.metrics[0]?.resource["service.name"]).toBe("sshping");
    expect(received.logs[0]?.resource["k8s.pod.name"]).toBe("patrol-7d9f");
  });

  test("metrics: the Prometheus instruments under the same names, with their values", () => {
    const metric = (name: string) => received.metrics.find((m) => m.name === name);
    const items = metric("opsctl_items_processed_total");
    expect(items?.type).toBe("sum");
    expect(items?.monotonic).toBe(true);
    expect(items?.points[0]?.value).toBe(2);
    expect(items?.points[0]?.attributes).toEqual({ tool: "sshping" });
    expect(metric("opsctl_errors_total")?.points[0]?.value).toBe(2);
    expect(metric("opsctl_last_exit_code")?.type).toBe("gauge");
    expect(metric("opsctl_last_exit_code")?.points[0]?.value).toBe(1);
    expect(metric("opsctl_run_duration_seconds")?.unit).toBe("s");

    const histogram = metric("opsctl_fixture_unit_duration_seconds");
    expect(histogram?.type).toBe("histogram");
    const ok = histogram?.points.find((p) => p.attributes.outcome === "ok");
    expect(ok?.count).toBe(2);
    expect(ok?.sum).toBeCloseTo(0.01);
    expect(ok?.explicitBounds).toEqual([0.001, 0.01, 0.1, 1]);
    expect(ok?.bucketCounts).toEqual([0, 2, 0, 0, 0]);
    const failed = histogram?.points.find((p) => p.attributes.outcome === "failed");
    expect(failed?.bucketCounts).toEqual([0, 0, 1, 0, 0]);
  });

  test("one definition, two outputs: every Prometheus family is in OTLP", () => {
    const exposition = readFileSync(textfile, "utf8");
    const families = [...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
    expect(families.length).toBeGreaterThan(4);
    const otlpNames = new Set(received.metrics.map((m) => m.name));
    for (const family of families) expect(otlpNames.has(family ?? "")).toBe(true);
  });

  test("logs: structured records with severity, fields and the trace/span of their unit", () => {
    const runSpan = received.spans.find((s) => s.name === "sshping");
    const units = received.spans.filter((s) => s.name === "unit");
    const done = received.logs.filter((l) => l.body === "unit done");
    expect(done.map((l) => l.attributes.unit).sort()).toEqual(["alpha", "beta"]);
    for (const log of done) {
      expect(log.severityText).toBe("INFO");
      expect(log.severityNumber).toBe(9);
      expect(log.traceId).toBe(runSpan?.traceId ?? "missing");
      const unitSpan = units.find((s) => s.attributes["unit.name"] === log.attributes.unit);
      expect(log.spanId).toBe(unitSpan?.spanId ?? "missing");
    }
    const failed = received.logs.find((l) => l.body === "unit failed");
    expect(failed?.severityText).toBe("WARN");
    expect(failed?.attributes.unit).toBe("bad1");
    const crashed = received.logs.find((l) => l.body === "unit crashed");
    expect(crashed?.severityNumber).toBe(17);
    expect(crashed?.attributes.error).toBe("throw1: exploded");
  });
});

describe("protocols and configuration", () => {
  test("http/json with --otlp-endpoint and OTEL_SERVICE_NAME", async () => {
    const { id, env } = testEnv({ OTEL_SERVICE_NAME: "nightly-ping" });
    const result = await run(
      [fixture, "one", "--otlp-endpoint", collector.httpEndpoint, "--otlp-protocol", "http/json"],
      { env },
    );
    expect(result.exitCode).toBe(0);
    const received = await waitForReceived(collector, id, complete);
    expect(received.spans.map((s) => s.name).sort()).toEqual(["sshping", "unit", "unit.step"]);
    expect(received.spans[0]?.resource["service.name"]).toBe("nightly-ping");
    expect(received.logs.find((l) => l.body === "unit done")?.attributes.unit).toBe("one");
    expect(
      received.metrics.find((m) => m.name === "opsctl_items_processed_total")?.points[0]?.value,
    ).toBe(1);
  }, 30_000);

  test("grpc (HTTP/2, no grpc-js) with headers and a host:port endpoint", async () => {
    const { id, env } = testEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcEndpoint.replace("http://", ""),
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_EXPORTER_OTLP_HEADERS: "x-team=sre",
    });
    const result = await run([fixture, "one", "bad2"], { env });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).not.toContain("telemetry:");
    const received = await waitForReceived(collector, id, complete);
    const runSpan = received.spans.find((s) => s.name === "sshping");
    expect(received.spans.filter((s) => s.name === "unit")).toHaveLength(2);
    expect(received.logs.find((l) => l.body === "unit failed")?.traceId).toBe(
      runSpan?.traceId ?? "missing",
    );
    expect(received.metrics.find((m) => m.name === "opsctl_errors_total")?.points[0]?.value).toBe(
      1,
    );
  }, 30_000);

  test("per-signal endpoints and OTEL_*_EXPORTER=none select the signals", async () => {
    const { id, env } = testEnv({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.httpEndpoint}/v1/traces`,
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${collector.httpEndpoint}/v1/logs`,
      OTEL_LOGS_EXPORTER: "none",
    });
    const result = await run([fixture, "one"], { env });
    expect(result.exitCode).toBe(0);
    const received = await waitForReceived(collector, id, hasRunSpan);
    expect(received.spans.length).toBe(3);
    // Give a stray export the time it would take to arrive, then check nothing else came.
    await Bun.sleep(500);
    const later = await waitForReceived(collector, id, () => true, 0);
    expect(later.logs).toHaveLength(0);
    expect(later.metrics).toHaveLength(0);
  }, 30_000);

  test("an exception thrown by the tool is on the run span and in the logs", async () => {
    const { id, env } = testEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpEndpoint });
    const result = await run([fixture, "one", "--fail", "throw"], { env });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("fixture: asked to throw");
    const received = await waitForReceived(
      collector,
      id,
      (r) => hasRunSpan(r) && r.logs.some((l) => l.severityText === "ERROR"),
    );
    const runSpan = received.spans.find((s) => s.name === "sshping");
    expect(runSpan?.status.code).toBe(2);
    expect(runSpan?.events[0]?.attributes["exception.message"]).toBe("fixture: asked to throw");
    const error = received.logs.find((l) => l.severityText === "ERROR");
    expect(error?.body).toBe("fixture: asked to throw");
    expect(error?.traceId).toBe(runSpan?.traceId ?? "missing");
  }, 30_000);

  test("daemon mode: one trace per cycle linked to the run, periodic export while running", async () => {
    const { id, env } = testEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpEndpoint,
      OTEL_BSP_SCHEDULE_DELAY: "100",
      OTEL_METRIC_EXPORT_INTERVAL: "200",
    });
    const proc = Bun.spawn([fixture, "a", "--cycles", "2", "--wait"], {
      env,
      stdout: "pipe",
      stderr: "pipe",
    });
    // Still running: the cycle spans and metrics arrive through the periodic exports.
    const during = await waitForReceived(
      collector,
      id,
      (r) =>
        r.spans.filter((s) => s.name === "cycle").length === 2 &&
        highest(r, "opsctl_items_processed_total") === 2,
    );
    expect(proc.exitCode).toBeNull();
    const cycles = during.spans.filter((s) => s.name === "cycle");
    expect(cycles).toHaveLength(2);
    expect(new Set(cycles.map((s) => s.traceId)).size).toBe(2);
    for (const cycle of cycles) {
      expect(cycle.parentSpanId).toBe("");
      expect(cycle.links).toHaveLength(1);
    }
    const units = during.spans.filter((s) => s.name === "unit");
    expect(units.map((s) => s.parentSpanId).sort()).toEqual(cycles.map((s) => s.spanId).sort());
    // Cumulative: each periodic export repeats the total so far.
    expect(highest(during, "opsctl_items_processed_total")).toBe(2);

    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(await new Response(proc.stdout).text()).toBe("units=1 ok=true\nstopped cleanly\n");
    const after = await waitForReceived(collector, id, hasRunSpan);
    const runSpan = after.spans.find((s) => s.name === "sshping");
    expect(cycles[0]?.links[0]?.spanId).toBe(runSpan?.spanId ?? "missing");
  }, 30_000);
});

/** The highest value any export carried for a metric (a cumulative total's latest value). */
function highest(received: Received, name: string): number {
  const values = received.metrics
    .filter((m) => m.name === name)
    .flatMap((m) => m.points.map((p) => p.value ?? 0));
  return Math.max(Number.NEGATIVE_INFINITY, ...values);
}
