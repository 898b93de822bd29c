/**
 * OTLP to a collector behind TLS with a private CA (OTEL_EXPORTER_OTLP_CERTIFICATE), over https
 * and gRPC; an untrusted certificate is refused with one warning, and the tool is unaffected.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { startTlsCollector, type TlsCollector, testEnv, waitForReceived } from "../env/otelcol.ts";
import { compiledTool, run } from "../helpers/compiled.ts";

let collector: TlsCollector;
let fixture: string;

beforeAll(async () => {
  [collector, fixture] = await Promise.all([
    startTlsCollector(),
    compiledTool("telemetry-fixture", "tests/fixtures/telemetry-tool.ts"),
  ]);
}, 600_000);

describe("OTLP over TLS", () => {
  for (const protocol of ["http/protobuf", "grpc"] as const) {
    test(`${protocol}: the private CA from OTEL_EXPORTER_OTLP_CERTIFICATE is trusted`, async () => {
      const { id, env: vars } = testEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT:
          protocol === "grpc" ? collector.grpcEndpoint : collector.httpEndpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_CERTIFICATE: collector.caFile,
      });
      const result = await run([fixture, "one"], { env: vars });
      expect(result.exitCode).toBe(0);
      expect(result.stderr).not.toContain("telemetry:");
      const received = await waitForReceived(
        collector,
        id,
        (r) => r.spans.length === 3 && r.logs.length > 0 && r.metrics.length > 0,
      );
      expect(received.spans.map((s) => s.name).sort()).toEqual(["sshping", "unit", "unit.step"]);
      expect(received.logs[0]?.body).toBe("unit done");
    }, 30_000);
  }

  test("without the CA the certificate is refused: one warning, same output", async () => {
    const { env: vars } = testEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpEndpoint });
    const result = await run([fixture, "one", "--log-format", "text"], { env: vars });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("units=1 ok=true\n");
    const warnings = result.stderr.split("\n").filter((line) => line.includes("telemetry:"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("certificate");
  }, 30_000);
});
