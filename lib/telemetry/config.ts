/**
 * Reads the standard OTEL_* variables (and --otlp-endpoint/--otlp-protocol) into one plain
 * object: where each signal goes, how, with which headers and time budget. No SDK imports.
 */

export type Signal = "traces" | "metrics" | "logs";
export type OtlpProtocol = "http/protobuf" | "http/json" | "grpc";
export const otlpProtocols: readonly OtlpProtocol[] = ["http/protobuf", "http/json", "grpc"];

export interface SignalConfig {
  /** Full URL the exporter posts to (http: …/v1/<signal>; grpc: the server address). */
  url: string;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  /** Per-export timeout, also the bound on the final flush. */
  timeoutMs: number;
  /** PEM files: OTEL_EXPORTER_OTLP_[<SIGNAL>_]CERTIFICATE, CLIENT_CERTIFICATE, CLIENT_KEY. */
  tls: { ca?: string; cert?: string; key?: string };
}

export interface TelemetryConfig {
  traces?: SignalConfig;
  metrics?: SignalConfig;
  logs?: SignalConfig;
  /** How often daemons export spans/logs and metrics; a short-lived tool flushes at exit anyway. */
  spanDelayMs: number;
  logDelayMs: number;
  metricIntervalMs: number;
  /** OTEL_SERVICE_NAME, else service.name of OTEL_RESOURCE_ATTRIBUTES, else undefined (tool name). */
  serviceName: string | undefined;
  resourceAttributes: Record<string, string>;
}

export interface TelemetrySettings {
  /** --otlp-endpoint (flag, OPSCTL_OTLP_ENDPOINT or config key otlp-endpoint). */
  endpoint?: string | undefined;
  /** --otlp-protocol. */
  protocol?: string | undefined;
}

/**
 * A CLI must not hang on a dead collector: 1 s instead of the spec's 10 s unless the user sets
 * OTEL_EXPORTER_OTLP_TIMEOUT.
 */
export const defaultTimeoutMs = 1000;

export class TelemetryConfigError extends Error {}

type Env = Record<string, string | undefined>;

export function telemetryConfig(env: Env, settings: TelemetrySettings = {}): TelemetryConfig {
  const config: TelemetryConfig = {
    spanDelayMs: positiveNumber(env, "OTEL_BSP_SCHEDULE_DELAY", 5000),
    logDelayMs: positiveNumber(env, "OTEL_BLRP_SCHEDULE_DELAY", 1000),
    metricIntervalMs: positiveNumber(env, "OTEL_METRIC_EXPORT_INTERVAL", 60_000),
    serviceName: undefined,
    resourceAttributes: parseKeyValues(
      read(env, "OTEL_RESOURCE_ATTRIBUTES") ?? "",
      "OTEL_RESOURCE_ATTRIBUTES",
    ),
  };
  config.serviceName =
    read(env, "OTEL_SERVICE_NAME") ?? config.resourceAttributes["service.name"] ?? undefined;
  if (read(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true") return config;
  for (const signal of ["traces", "metrics", "logs"] as const) {
    const signalConfig = signalConfigFor(signal, env, settings);
    if (signalConfig) config[signal] = signalConfig;
  }
  return config;
}

function signalConfigFor(
  signal: Signal,
  env: Env,
  settings: TelemetrySettings,
): SignalConfig | undefined {
  const upper = signal.toUpperCase();
  const exporter = read(env, `OTEL_${upper}_EXPORTER`)?.toLowerCase();
  if (exporter === "none") return undefined;
  if (exporter !== undefined && exporter !== "otlp")
    throw new TelemetryConfigError(
      `OTEL_${upper}_EXPORTER "${exporter}": only "otlp" and "none" are supported`,
    );

  const protocolText =
    read(env, `OTEL_EXPORTER_OTLP_${upper}_PROTOCOL`) ??
    settings.protocol ??
    read(env, "OTEL_EXPORTER_OTLP_PROTOCOL") ??
    "http/protobuf";
  if (!otlpProtocols.includes(protocolText as OtlpProtocol))
    throw new TelemetryConfigError(
      `OTLP protocol "${protocolText}" is not one of: ${otlpProtocols.join(", ")}`,
    );
  const protocol = protocolText as OtlpProtocol;

  // A signal-specific endpoint is used as is; the general one gets /v1/<signal> appended (spec).
  const specific = read(env, `OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`);
  const generalName = settings.endpoint ? "--otlp-endpoint" : "OTEL_EXPORTER_OTLP_ENDPOINT";
  const general = settings.endpoint || read(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
  let url: string;
  if (specific) url = checkedUrl(specific, `OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`, protocol);
  else if (general) {
    const base = checkedUrl(general, generalName, protocol);
    url = protocol === "grpc" ? base : `${base.replace(/\/+$/, "")}/v1/${signal}`;
  } else return undefined;

  const headers = {
    ...parseKeyValues(read(env, "OTEL_EXPORTER_OTLP_HEADERS") ?? "", "OTEL_EXPORTER_OTLP_HEADERS"),
    ...parseKeyValues(
      read(env, `OTEL_EXPORTER_OTLP_${upper}_HEADERS`) ?? "",
      `OTEL_EXPORTER_OTLP_${upper}_HEADERS`,
    ),
  };
  const timeoutMs = positiveNumber(
    env,
    read(env, `OTEL_EXPORTER_OTLP_${upper}_TIMEOUT`) !== undefined
      ? `OTEL_EXPORTER_OTLP_${upper}_TIMEOUT`
      : "OTEL_EXPORTER_OTLP_TIMEOUT",
    defaultTimeoutMs,
  );
  const file = (name: string) =>
    read(env, `OTEL_EXPORTER_OTLP_${upper}_${name}`) ?? read(env, `OTEL_EXPORTER_OTLP_${name}`);
  const tls: SignalConfig["tls"] = {};
  const ca = file("CERTIFICATE");
  const cert = file("CLIENT_CERTIFICATE");
  const key = file("CLIENT_KEY");
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  return { url, protocol, headers, timeoutMs, tls };
}

function checkedUrl(text: string, name: string, protocol: OtlpProtocol): string {
  // gRPC endpoints are often written host:port; give them a scheme so URL parsing works.
  const withScheme = protocol === "grpc" && !/^[a-z]+:\/\//i.test(text) ? `http://${text}` : text;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new TelemetryConfigError(`${name} "${text}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new TelemetryConfigError(
      `${name} "${text}": the scheme must be http or https (like http://collector:4318)`,
    );
  return withScheme;
}

/** "k1=v1,k2=v2" with percent-encoded values (W3C baggage style), as the spec defines. */
export function parseKeyValues(text: string, name: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const equals = part.indexOf("=");
    if (equals <= 0) throw new TelemetryConfigError(`${name}: "${part.trim()}" is not key=value`);
    const key = part.slice(0, equals).trim();
    let value = part.slice(equals + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // Not percent-encoded after all: keep the text as written.
    }
    result[key] = value;
  }
  return result;
}

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function positiveNumber(env: Env, name: string, fallback: number): number {
  const text = read(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new TelemetryConfigError(`${name} "${text}" is not a positive number of milliseconds`);
  return value;
}
