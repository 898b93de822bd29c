/**
 * A real OpenTelemetry Collector (built by tests/env/otelcol/build.sh from the Go module proxy)
 * on 127.0.0.1: OTLP in over gRPC and HTTP, batch, and out through the file exporter as OTLP/JSON
 * lines that tests read back. One per test process; tests tell their data apart by resource
 * attributes (OTEL_RESOURCE_ATTRIBUTES=test.id=...).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, type Service, startService, tempDir } from "./service.ts";

const buildScript = resolve(import.meta.dir, "otelcol/build.sh");

export interface Collector {
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 */
  httpEndpoint: string;
  /** OTLP/gRPC address, e.g. http://127.0.0.1:4317 */
  grpcEndpoint: string;
  /** JSON lines written by the file exporter. */
  outputFile: string;
  service: Service;
}

/** Path of the cached collector binary; builds it first if missing (slow: minutes). */
export function collectorBinary(): string {
  const result = Bun.spawnSync(["bash", buildScript], { stdout: "pipe", stderr: "pipe" });
  if (!result.success)
    throw new Error(`tests/env/otelcol/build.sh failed: ${result.stderr.toString().slice(-4000)}`);
  const binary = result.stdout.toString().trim().split("\n").at(-1) ?? "";
  if (!existsSync(binary)) throw new Error(`collector binary missing after build: ${binary}`);
  return binary;
}

export interface TlsCollector extends Collector {
  /** PEM of the private CA that signed the receivers' certificate (for 127.0.0.1). */
  caFile: string;
}

let started: Promise<Collector> | undefined;
let startedTls: Promise<TlsCollector> | undefined;

/** Plain OTLP on 127.0.0.1 (HTTP and gRPC). */
export function startCollector(): Promise<Collector> {
  started ??= launch(false);
  return started;
}

/** OTLP over TLS (https and gRPC with TLS) with a certificate from a private CA. */
export function startTlsCollector(): Promise<TlsCollector> {
  startedTls ??= launch(true) as Promise<TlsCollector>;
  return startedTls;
}

async function launch(tls: boolean): Promise<Collector | TlsCollector> {
  const binary = collectorBinary();
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const dir = tempDir(tls ? "otelcol-tls" : "otelcol");
  const certs = tls ? makeCertificates(dir) : undefined;
  const scheme = tls ? "https" : "http";
  writeConfig(dir, grpcPort, httpPort, certs);
  const service = await startService({
    name: tls ? "otelcol-tls" : "otelcol",
    // service.ts ties it to this process: it never outlives the test run.
    command: [binary, "--config", "collector.yaml"],
    ready: async () => {
      // An empty export request is valid OTLP: 200 means the HTTP receiver is up.
      const response = await fetch(`${scheme}://127.0.0.1:${httpPort}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
        signal: AbortSignal.timeout(1000),
        ...(certs ? { tls: { ca: readFileSync(certs.ca, "utf8") } } : {}),
      });
      return response.ok;
    },
    timeoutMs: 30_000,
    dir,
  });
  return {
    httpEndpoint: `${scheme}://127.0.0.1:${httpPort}`,
    grpcEndpoint: `${scheme}://127.0.0.1:${grpcPort}`,
    outputFile: join(service.dir, "otlp.jsonl"),
    service,
    ...(certs ? { caFile: certs.ca } : {}),
  };
}

interface Certificates {
  ca: string;
  cert: string;
  key: string;
}

/** A throwaway CA and a server certificate for 127.0.0.1 (openssl, as .ci/run installs). */
function makeCertificates(dir: string): Certificates {
  const openssl = (...args: string[]) => {
    const result = Bun.spawnSync(["openssl", ...args], { cwd: dir, stderr: "pipe" });
    if (!result.success) throw new Error(`openssl ${args[0]}: ${result.stderr.toString()}`);
  };
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=opsctl test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
  );
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  );
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
  openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "san.ext",
    "-out",
    "server.crt",
  );
  return { ca: join(dir, "ca.crt"), cert: join(dir, "server.crt"), key: join(dir, "server.key") };
}

/** The collector's config in its own temp dir (removed with the service). */
function writeConfig(dir: string, grpcPort: number, httpPort: number, certs?: Certificates): void {
  const tls = certs ? `\n        tls: { cert_file: ${certs.cert}, key_file: ${certs.key} }` : "";
  writeFileSync(
    join(dir, "collector.yaml"),
    `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}${tls}
      http:
        endpoint: 127.0.0.1:${httpPort}${tls}
processors:
  batch:
    timeout: 100ms
exporters:
  file:
    path: ${join(dir, "otlp.jsonl")}
    format: json
    flush_interval: 100ms
service:
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [file] }
    metrics: { receivers: [otlp], processors: [batch], exporters: [file] }
    logs: { receivers: [otlp], processors: [batch], exporters: [file] }
`,
  );
}

// ---- Reading what arrived ------------------------------------------------------------------

export type AttributeMap = Record<string, unknown>;

export interface ReceivedSpan {
  resource: AttributeMap;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: AttributeMap;
  status: { code?: number; message?: string };
  events: { name: string; attributes: AttributeMap }[];
  links: { traceId: string; spanId: string }[];
}

export interface ReceivedPoint {
  attributes: AttributeMap;
  value: number | undefined;
  /** Histograms: explicit bounds, bucket counts, sum and count. */
  explicitBounds?: number[];
  bucketCounts?: number[];
  sum?: number;
  count?: number;
}

export interface ReceivedMetric {
  resource: AttributeMap;
  name: string;
  unit: string;
  type: "sum" | "gauge" | "histogram" | "other";
  monotonic: boolean;
  points: ReceivedPoint[];
}

export interface ReceivedLog {
  resource: AttributeMap;
  body: unknown;
  severityText: string;
  severityNumber: number;
  attributes: AttributeMap;
  traceId: string;
  spanId: string;
}

export interface Received {
  spans: ReceivedSpan[];
  metrics: ReceivedMetric[];
  logs: ReceivedLog[];
}

type OtlpKeyValue = { key: string; value: OtlpAnyValue };
type OtlpAnyValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
};

export function anyValue(value: OtlpAnyValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(anyValue);
  if (value.kvlistValue) return attributeMap(value.kvlistValue.values);
  return undefined;
}

function attributeMap(list: OtlpKeyValue[] | undefined): AttributeMap {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

// biome-ignore lint/suspicious/noExplicitAny: OTLP/JSON is read loosely; tests assert on fields.
type Json = any;

/** Parses everything the file exporter wrote so far. */
export function readReceived(collector: Collector): Received {
  const received: Received = { spans: [], metrics: [], logs: [] };
  if (!existsSync(collector.outputFile)) return received;
  // The last piece is "" or a line the exporter is still writing: only complete lines count.
  const lines = readFileSync(collector.outputFile, "utf8").split("\n").slice(0, -1);
  for (const line of lines) {
    if (!line.trim()) continue;
    const request: Json = JSON.parse(line);
    for (const rs of request.resourceSpans ?? []) {
      const resource = attributeMap(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? [])
        for (const span of ss.spans ?? [])
          received.spans.push({
            resource,
            scope: ss.scope?.name ?? "",
            traceId: span.traceId ?? "",
            spanId: span.spanId ?? "",
            parentSpanId: span.parentSpanId ?? "",
            name: span.name,
            kind: span.kind ?? 0,
            attributes: attributeMap(span.attributes),
            status: span.status ?? {},
            events: (span.events ?? []).map((e: Json) => ({
              name: e.name,
              attributes: attributeMap(e.attributes),
            })),
            links: (span.links ?? []).map((l: Json) => ({ traceId: l.traceId, spanId: l.spanId })),
          });
    }
    for (const rm of request.resourceMetrics ?? []) {
      const resource = attributeMap(rm.resource?.attributes);
      for (const sm of rm.scopeMetrics ?? [])
        for (const metric of sm.metrics ?? []) received.metrics.push(toMetric(resource, metric));
    }
    for (const rl of request.resourceLogs ?? []) {
      const resource = attributeMap(rl.resource?.attributes);
      for (const sl of rl.scopeLogs ?? [])
        for (const log of sl.logRecords ?? [])
          received.logs.push({
            resource,
            body: anyValue(log.body),
            severityText: log.severityText ?? "",
            severityNumber: log.severityNumber ?? 0,
            attributes: attributeMap(log.attributes),
            traceId: log.traceId ?? "",
            spanId: log.spanId ?? "",
          });
    }
  }
  return received;
}

function toMetric(resource: AttributeMap, metric: Json): ReceivedMetric {
  const numberPoint = (p: Json): ReceivedPoint => ({
    attributes: attributeMap(p.attributes),
    value: p.asDouble ?? (p.asInt !== undefined ? Number(p.asInt) : undefined),
  });
  const base = { resource, name: metric.name, unit: metric.unit ?? "" };
  if (metric.sum)
    return {
      ...base,
      type: "sum",
      monotonic: Boolean(metric.sum.isMonotonic),
      points: (metric.sum.dataPoints ?? []).map(numberPoint),
    };
  if (metric.gauge)
    return {
      ...base,
      type: "gauge",
      monotonic: false,
      points: (metric.gauge.dataPoints ?? []).map(numberPoint),
    };
  if (metric.histogram)
    return {
      ...base,
      type: "histogram",
      monotonic: false,
      points: (metric.histogram.dataPoints ?? []).map((p: Json) => ({
        attributes: attributeMap(p.attributes),
        value: undefined,
        explicitBounds: p.explicitBounds ?? [],
        bucketCounts: (p.bucketCounts ?? []).map(Number),
        sum: p.sum,
        count: Number(p.count ?? 0),
      })),
    };
  return { ...base, type: "other", monotonic: false, points: [] };
}

let testIds = 0;

/**
 * The environment for one tool run whose telemetry a test reads back: a test.id unique in this
 * process (tests share one collector) in OTEL_RESOURCE_ATTRIBUTES, PATH, HOME, then `extra`.
 * Pass the id to waitForReceived to see that run's data only.
 */
export function testEnv(extra: Record<string, string> = {}): {
  id: string;
  env: Record<string, string>;
} {
  const id = `t${process.pid}-${++testIds}`;
  return {
    id,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: tmpdir(),
      OTEL_RESOURCE_ATTRIBUTES: `test.id=${id}`,
      ...extra,
    },
  };
}

/** Only what one test run sent: resource attribute test.id = id. */
export function forTest(received: Received, id: string): Received {
  const mine = (resource: AttributeMap) => resource["test.id"] === id;
  return {
    spans: received.spans.filter((s) => mine(s.resource)),
    metrics: received.metrics.filter((m) => mine(m.resource)),
    logs: received.logs.filter((l) => mine(l.resource)),
  };
}

/**
 * Polls the collector's output until `done` holds for this test's data (the collector batches
 * and the file exporter flushes every 100 ms); returns the last read either way so the test's
 * own assertions report what was missing.
 */
export async function waitForReceived(
  collector: Collector,
  id: string,
  done: (received: Received) => boolean,
  timeoutMs = 15_000,
): Promise<Received> {
  const deadline = Date.now() + timeoutMs;
  let received = forTest(readReceived(collector), id);
  while (!done(received) && Date.now() < deadline) {
    await Bun.sleep(100);
    received = forTest(readReceived(collector), id);
  }
  return received;
}
