import { describe, expect, test } from "bun:test";
import { hostname } from "node:os";
import { parseKeyValues, telemetryConfig } from "../../lib/telemetry/config.ts";
import { otlpRequested } from "../../lib/telemetry/requested.ts";
import { resourceAttributes } from "../../lib/telemetry/resource.ts";

describe("otlpRequested: is the SDK loaded at all", () => {
  test("only with an endpoint (general, per signal or --otlp-endpoint)", () => {
    expect(otlpRequested({}, undefined)).toBe(false);
    expect(otlpRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: " " }, undefined)).toBe(false);
    expect(otlpRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }, undefined)).toBe(true);
    expect(otlpRequested({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://c/v1/logs" }, undefined)).toBe(
      true,
    );
    expect(otlpRequested({}, "http://c:4318")).toBe(true);
    expect(otlpRequested({ OTEL_SDK_DISABLED: "TRUE" }, "http://c:4318")).toBe(false);
  });
});

describe("telemetryConfig", () => {
  test("the general endpoint gets /v1/<signal>; defaults: http/protobuf, 1 s", () => {
    const config = telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/" });
    expect(config.traces).toEqual({
      url: "http://c:4318/v1/traces",
      protocol: "http/protobuf",
      headers: {},
      timeoutMs: 1000,
      tls: {},
    });
    expect(config.metrics?.url).toBe("http://c:4318/v1/metrics");
    expect(config.logs?.url).toBe("http://c:4318/v1/logs");
    expect(config.metricIntervalMs).toBe(60_000);
  });

  test("signal-specific variables win and are used as is", () => {
    const config = telemetryConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://traces.example/otlp",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "250",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20abc,x-team=sre",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-team=traces",
      OTEL_EXPORTER_OTLP_CERTIFICATE: "/etc/ssl/ca.pem",
      OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: "/etc/ssl/traces-ca.pem",
      OTEL_EXPORTER_OTLP_CLIENT_KEY: "/etc/ssl/client.key",
    });
    expect(config.traces).toEqual({
      url: "https://traces.example/otlp",
      protocol: "http/json",
      headers: { authorization: "Bearer abc", "x-team": "traces" },
      timeoutMs: 250,
      tls: { ca: "/etc/ssl/traces-ca.pem", key: "/etc/ssl/client.key" },
    });
    expect(config.metrics?.protocol).toBe("http/protobuf");
    expect(config.metrics?.headers).toEqual({ authorization: "Bearer abc", "x-team": "sre" });
    expect(config.metrics?.tls).toEqual({ ca: "/etc/ssl/ca.pem", key: "/etc/ssl/client.key" });
  });

  test("--otlp-endpoint/--otlp-protocol replace the general variables", () => {
    const config = telemetryConfig(
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://env:4318", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" },
      { endpoint: "http://flag:4318", protocol: "http/protobuf" },
    );
    expect(config.logs?.url).toBe("http://flag:4318/v1/logs");
    expect(config.logs?.protocol).toBe("http/protobuf");
  });

  test("grpc keeps the endpoint as the server address and accepts host:port", () => {
    const config = telemetryConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4317",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
    });
    expect(config.traces?.url).toBe("http://collector:4317");
  });

  test("OTEL_<SIGNAL>_EXPORTER=none drops a signal; anything but otlp/none is an error", () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_METRICS_EXPORTER: "none" };
    expect(telemetryConfig(env).metrics).toBeUndefined();
    expect(telemetryConfig(env).traces).toBeDefined();
    expect(() => telemetryConfig({ ...env, OTEL_LOGS_EXPORTER: "zipkin" })).toThrow(
      'OTEL_LOGS_EXPORTER "zipkin": only "otlp" and "none" are supported',
    );
  });

  test("service name: OTEL_SERVICE_NAME > OTEL_RESOURCE_ATTRIBUTES service.name", () => {
    expect(
      telemetryConfig({ OTEL_RESOURCE_ATTRIBUTES: "service.name=a,deployment.environment=prod" }),
    ).toMatchObject({
      serviceName: "a",
      resourceAttributes: { "service.name": "a", "deployment.environment": "prod" },
    });
    expect(
      telemetryConfig({ OTEL_RESOURCE_ATTRIBUTES: "service.name=a", OTEL_SERVICE_NAME: "b" })
        .serviceName,
    ).toBe("b");
  });

  test("bad values name the variable and the value", () => {
    expect(() =>
      telemetryConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c",
        OTEL_EXPORTER_OTLP_TIMEOUT: "soon",
      }),
    ).toThrow('OTEL_EXPORTER_OTLP_TIMEOUT "soon" is not a positive number of milliseconds');
    expect(() =>
      telemetryConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c",
        OTEL_EXPORTER_OTLP_PROTOCOL: "udp",
      }),
    ).toThrow('OTLP protocol "udp" is not one of: http/protobuf, http/json, grpc');
    expect(() => parseKeyValues("a=1,oops", "OTEL_RESOURCE_ATTRIBUTES")).toThrow(
      'OTEL_RESOURCE_ATTRIBUTES: "oops" is not key=value',
    );
  });
});

describe("resource attributes", () => {
  const build = { version: "1.2.3", commit: "abc", date: "d", target: "t" };
  test("tool name, version, host; downward-API names (K8S_* first, then POD_*)", () => {
    const attributes = resourceAttributes("podpatrol", build, telemetryConfig({}), {
      K8S_POD_NAME: "patrol-1",
      POD_NAME: "ignored",
      POD_NAMESPACE: "ops",
      K8S_NODE_NAME: "node-a",
    });
    expect(attributes).toMatchObject({
      "service.name": "podpatrol",
      "service.version": "1.2.3",
      "host.name": hostname(),
      "k8s.pod.name": "patrol-1",
      "k8s.namespace.name": "ops",
      "k8s.node.name": "node-a",
    });
  });

  test("OTEL_RESOURCE_ATTRIBUTES adds and overrides; OTEL_SERVICE_NAME wins for the name", () => {
    const env = {
      OTEL_RESOURCE_ATTRIBUTES: "host.name=edge-7,deployment.environment=prod",
      OTEL_SERVICE_NAME: "nightly-clean",
    };
    const attributes = resourceAttributes("logclean", build, telemetryConfig(env), env);
    expect(attributes["host.name"]).toBe("edge-7");
    expect(attributes["deployment.environment"]).toBe("prod");
    expect(attributes["service.name"]).toBe("nightly-clean");
  });
});
