/**
 * A collector that is down, hangs or is misconfigured must cost a tool at most the export
 * timeout and one warning: same stdout, same exit code. (The bound is enforced by the per-test
 * timeouts below, not by timing asserts: a tool stuck on its exporter fails the test.)
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { freePort } from "../env/service.ts";
import { compiledTool, run } from "../helpers/compiled.ts";

let fixture: string;
let baseline: Awaited<ReturnType<typeof run>>;
let blackhole: Server;
let blackholeUrl: string;
const sockets: Socket[] = [];
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir() };
const args = ["alpha", "bad1"];

beforeAll(async () => {
  fixture = await compiledTool("telemetry-fixture", "tests/fixtures/telemetry-tool.ts");
  baseline = await run([fixture, ...args], { env });
  // Accepts connections and never answers: a collector that hangs.
  blackhole = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => blackhole.listen(0, "127.0.0.1", resolve));
  const address = blackhole.address();
  blackholeUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}, 120_000);

afterAll(() => {
  for (const socket of sockets) socket.destroy();
  blackhole.close();
});

function telemetryWarnings(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line.includes("telemetry:"));
}

describe("collector unavailable", () => {
  test("the baseline run (no OTLP) prints its result and exits 1 for the bad unit", () => {
    expect(baseline.stdout).toBe("units=2 ok=false\n");
    expect(baseline.exitCode).toBe(1);
    expect(telemetryWarnings(baseline.stderr)).toEqual([]);
  });

  test("connection refused: same output and exit code, one warning", async () => {
    const port = await freePort();
    const result = await run([fixture, ...args], {
      env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
    });
    expect(result.stdout).toBe(baseline.stdout);
    expect(result.exitCode).toBe(baseline.exitCode);
    const warnings = telemetryWarnings(result.stderr);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`http://127.0.0.1:${port}`);
  }, 10_000);

  test("collector hangs: the flush gives up after the timeout, one warning", async () => {
    const result = await run([fixture, ...args, "--log-format", "text"], {
      env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: blackholeUrl },
    });
    expect(result.stdout).toBe(baseline.stdout);
    expect(result.exitCode).toBe(baseline.exitCode);
    const warnings = telemetryWarnings(result.stderr);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toStartWith("WARN  telemetry: ");
    expect(warnings[0]).toContain(blackholeUrl);
  }, 10_000);

  test("OTEL_EXPORTER_OTLP_TIMEOUT bounds the flush (http/json too)", async () => {
    const result = await run([fixture, ...args], {
      env: {
        ...env,
        OTEL_EXPORTER_OTLP_ENDPOINT: blackholeUrl,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_TIMEOUT: "200",
      },
    });
    expect(result.stdout).toBe(baseline.stdout);
    expect(result.exitCode).toBe(baseline.exitCode);
    expect(telemetryWarnings(result.stderr)).toHaveLength(1);
  }, 10_000);

  test("grpc: refused and hanging collectors alike cost one warning, nothing else", async () => {
    const port = await freePort();
    for (const endpoint of [`http://127.0.0.1:${port}`, blackholeUrl]) {
      const result = await run([fixture, ...args], {
        env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" },
      });
      expect(result.stdout).toBe(baseline.stdout);
      expect(result.exitCode).toBe(baseline.exitCode);
      const warnings = telemetryWarnings(result.stderr);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(endpoint);
    }
  }, 15_000);

  test("OTEL_SDK_DISABLED=true turns everything off: no export, no warning", async () => {
    const result = await run([fixture, ...args], {
      env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: blackholeUrl, OTEL_SDK_DISABLED: "true" },
    });
    expect(result.stdout).toBe(baseline.stdout);
    expect(result.exitCode).toBe(baseline.exitCode);
    expect(telemetryWarnings(result.stderr)).toEqual([]);
  }, 10_000);

  test("a malformed endpoint is named in one warning; the tool still runs", async () => {
    const result = await run(
      [fixture, ...args, "--otlp-endpoint", "collector:4318", "--log-format", "text"],
      { env },
    );
    expect(result.stdout).toBe(baseline.stdout);
    expect(result.exitCode).toBe(baseline.exitCode);
    const warnings = telemetryWarnings(result.stderr);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      '--otlp-endpoint "collector:4318": the scheme must be http or https (like http://collector:4318)',
    );
  }, 10_000);

  test("an unknown --otlp-protocol is a usage error (exit 2) like any bad flag", async () => {
    const result = await run([fixture, "--otlp-protocol", "udp"], { env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("udp");
    expect(result.stdout).toBe("");
  }, 10_000);
});
