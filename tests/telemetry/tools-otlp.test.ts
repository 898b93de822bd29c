/**
 * The real tools, compiled, send their spans, metrics and logs to the real Collector: the
 * runner gives every tool the run span, metrics and logs; the engines add their unit spans.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Collector,
  type Received,
  startCollector,
  testEnv,
  waitForReceived,
} from "../env/otelcol.ts";
import { freePort } from "../env/service.ts";
import { sharedSshdFleet } from "../env/sshd.ts";
import { compiledTool, run } from "../helpers/compiled.ts";

let collector: Collector;
let work: string;

beforeAll(async () => {
  collector = await startCollector();
  work = mkdtempSync(join(tmpdir(), "opsctl-otel-tools-"));
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** testEnv with HOME in this file's work dir and OTLP to the collector. */
const otlpEnv = (extra: Record<string, string> = {}) =>
  testEnv({ HOME: work, OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpEndpoint, ...extra });

const runSpanOf = (tool: string) => (r: Received) =>
  r.spans.some((s) => s.name === tool && s.parentSpanId === "");

describe("ffind and logclean", () => {
  let tree: string;
  beforeAll(() => {
    tree = join(work, "logs");
    const old = Date.now() / 1000 - 30 * 86400;
    for (const dir of ["app", "web", "empty"]) mkdirSync(join(tree, dir), { recursive: true });
    for (const [dir, count] of [
      ["app", 3],
      ["web", 2],
    ] as const)
      for (let i = 0; i < count; i++) {
        const file = join(tree, dir, `old${i}.log`);
        writeFileSync(file, "x".repeat(100));
        utimesSync(file, old, old);
      }
    writeFileSync(join(tree, "app", "fresh.log"), "new");
  });

  test("ffind: the run span and one search span with its counts", async () => {
    const bin = await compiledTool("ffind");
    const { id, env } = otlpEnv();
    const result = await run([bin, tree, "--name", "*.log", "--count"], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe("6");
    const received = await waitForReceived(collector, id, runSpanOf("ffind"));
    const runSpan = received.spans.find((s) => s.name === "ffind");
    const search = received.spans.find((s) => s.name === "find");
    expect(search?.parentSpanId).toBe(runSpan?.spanId ?? "missing");
    expect(search?.attributes["opsctl.matched"]).toBe(6);
    expect(search?.resource["service.name"]).toBe("ffind");
  }, 120_000);

  test("the multi-call opsctl binary: same telemetry, service.name = the subcommand", async () => {
    const bin = await compiledTool("opsctl");
    const { id, env } = otlpEnv();
    const result = await run([bin, "ffind", tree, "--name", "*.log", "--count"], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe("6");
    const received = await waitForReceived(collector, id, runSpanOf("ffind"));
    expect(received.spans.map((s) => s.name).sort()).toEqual(["ffind", "find"]);
    expect(received.spans[0]?.resource["service.name"]).toBe("ffind");
  }, 120_000);

  test("logclean: a span per directory batch it changed, and its metrics", async () => {
    const bin = await compiledTool("logclean");
    const { id, env } = otlpEnv();
    const result = await run([bin, tree, "--days", "7", "--json"], { env });
    expect(result.exitCode).toBe(0);
    const received = await waitForReceived(
      collector,
      id,
      (r) => runSpanOf("logclean")(r) && r.metrics.length > 0,
    );
    const runSpan = received.spans.find((s) => s.name === "logclean");
    const dirs = received.spans.filter((s) => s.name === "clean directory");
    expect(
      dirs
        .map((s) => [s.attributes["file.directory"], s.attributes["opsctl.files.deleted"]])
        .sort(),
    ).toEqual([
      [join(tree, "app"), 3],
      [join(tree, "web"), 2],
    ]);
    for (const dir of dirs) expect(dir.parentSpanId).toBe(runSpan?.spanId ?? "missing");
    expect(runSpan?.attributes["process.exit.code"]).toBe(0);
    // The same names the tool pushes to Prometheus.
    expect(received.metrics.map((m) => m.name)).toContain("opsctl_last_exit_code");
  }, 120_000);
});

describe("sshping", () => {
  test("a client span per host, unreachable ones failed with their phase", async () => {
    const [fleet, bin] = await Promise.all([
      sharedSshdFleet("otlp", { count: 2 }),
      compiledTool("sshping"),
    ]);
    const knownHosts = join(work, "known_hosts");
    writeFileSync(knownHosts, `${fleet.knownHostsLines().join("\n")}\n`);
    const down = `${fleet.user}@127.0.0.1:${await freePort()}`;
    const specs = [...fleet.hosts.map((h) => `${fleet.user}@${h.address}:${h.port}`), down];
    const { id, env } = otlpEnv();
    const result = await run(
      [bin, ...specs, "-F", "none", "-k", fleet.clientKey, "--known-hosts", knownHosts, "--json"],
      { env: { ...env, HOME: join(work, "ssh-home") } },
    );
    expect(result.exitCode).toBe(4); // some hosts unreachable
    const received = await waitForReceived(collector, id, runSpanOf("sshping"));
    const runSpan = received.spans.find((s) => s.name === "sshping");
    const probes = received.spans.filter((s) => s.name === "ssh probe");
    expect(probes).toHaveLength(3);
    for (const probe of probes) {
      expect(probe.parentSpanId).toBe(runSpan?.spanId ?? "missing");
      expect(probe.kind).toBe(3); // SPAN_KIND_CLIENT
    }
    const ok = probes.filter((s) => s.attributes["opsctl.ssh.status"] === "ok");
    expect(ok).toHaveLength(2);
    for (const probe of ok) expect(probe.status.code ?? 0).toBe(0);
    const failed = probes.find((s) => s.attributes["opsctl.ssh.status"] === "unreachable");
    expect(failed?.attributes["server.address"]).toBe("127.0.0.1");
    expect(failed?.status.code).toBe(2);
    expect(failed?.status.message).toStartWith("connect: ");
    expect(runSpan?.attributes["process.exit.code"]).toBe(4);
  }, 120_000);
});

describe("nginxlog", () => {
  test("a span per source; a corrupt .gz fails its span, the run still reports", async () => {
    const bin = await compiledTool("nginxlog");
    const line = (i: number) =>
      `127.0.0.${i % 5} - - [26/Nov/2026:10:00:${String(i % 60).padStart(2, "0")} +0000] "GET /p${i} HTTP/1.1" 200 12 "-" "curl/8"\n`;
    const text = Array.from({ length: 20 }, (_, i) => line(i)).join("");
    const good = join(work, "access.log");
    writeFileSync(good, text);
    const bad = join(work, "old.log.gz");
    writeFileSync(bad, Bun.gzipSync(Buffer.from(text)).subarray(0, 30));
    const { id, env } = otlpEnv();
    const result = await run([bin, good, bad, "--json"], { env });
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).overview.requests).toBeGreaterThanOrEqual(20);
    const received = await waitForReceived(collector, id, runSpanOf("nginxlog"));
    const runSpan = received.spans.find((s) => s.name === "nginxlog");
    const sources = received.spans.filter((s) => s.name === "analyze source");
    expect(sources.map((s) => s.attributes["opsctl.source"])).toEqual([good, bad]);
    for (const source of sources) expect(source.parentSpanId).toBe(runSpan?.spanId ?? "missing");
    const [goodSpan, badSpan] = sources;
    expect(goodSpan?.attributes["opsctl.bytes_read"]).toBe(text.length);
    expect(goodSpan?.status.code ?? 0).toBe(0);
    expect(badSpan?.status.code).toBe(2);
    expect(badSpan?.status.message).toContain("old.log.gz");
  }, 120_000);
});

describe("exporter (daemon)", () => {
  let listener: Server;
  let openPort = 0;
  beforeAll(async () => {
    listener = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const address = listener.address();
    openPort = typeof address === "object" && address ? address.port : 0;
  });
  afterAll(() => listener.close());

  test("one trace per check run, failures on the span, /metrics families over OTLP", async () => {
    const bin = await compiledTool("exporter");
    const closedPort = await freePort();
    const checks = join(work, "checks.yaml");
    writeFileSync(
      checks,
      `checks:
  - name: up
    kind: tcp
    target: 127.0.0.1:${openPort}
    interval: 1s
  - name: down
    kind: tcp
    target: 127.0.0.1:${closedPort}
    interval: 1s
`,
    );
    const listen = `127.0.0.1:${await freePort()}`;
    const { id, env } = otlpEnv({
      OTEL_BSP_SCHEDULE_DELAY: "100",
      OTEL_METRIC_EXPORT_INTERVAL: "300",
    });
    const proc = Bun.spawn([bin, "--checks-file", checks, "--listen-address", listen], {
      env,
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const received = await waitForReceived(
        collector,
        id,
        (r) =>
          r.spans.filter((s) => s.name === "check tcp").length >= 2 &&
          r.metrics.some((m) => m.name.startsWith("opsctl_exporter_")) &&
          r.metrics.some((m) => m.points.some((p) => p.attributes.check === "down")),
      );
      const scrape = await (await fetch(`http://${listen}/metrics`)).text();
      const checksRun = received.spans.filter((s) => s.name === "check tcp");
      const up = checksRun.find((s) => s.attributes["opsctl.check.name"] === "up");
      const down = checksRun.find((s) => s.attributes["opsctl.check.name"] === "down");
      expect(up?.status.code ?? 0).toBe(0);
      expect(down?.status.code).toBe(2);
      expect(down?.status.message ?? "").not.toBe("");
      // Daemon: each check run is its own trace, linked to the run span (still open).
      expect(up?.parentSpanId).toBe("");
      expect(up?.links).toHaveLength(1);
      expect(up?.traceId).not.toBe(down?.traceId);
      // Every family /metrics serves is exported under the same name.
      const families = [...scrape.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] ?? "");
      const otlpNames = new Set(received.metrics.map((m) => m.name));
      expect(families.length).toBeGreaterThan(3);
      for (const family of families) expect(otlpNames.has(family)).toBe(true);
    } finally {
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    }
    const after = await waitForReceived(collector, id, runSpanOf("exporter"));
    expect(after.spans.find((s) => s.name === "exporter")?.attributes["process.exit.code"]).toBe(0);
  }, 120_000);
});
