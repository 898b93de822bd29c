/**
 * A real Prometheus server (Debian package prometheus, /usr/bin/prometheus) on 127.0.0.1 with the
 * scrape configs a test gives it, a temporary TSDB, and a 1 s scrape interval; plus helpers to
 * query its HTTP API. Each call starts its own server (configs differ per test file).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, httpReady, type Service, startService, tempDir } from "./service.ts";

export interface PrometheusOptions {
  /** scrape_configs entries, as objects (written as JSON, which Prometheus reads as YAML). */
  scrapeConfigs: Record<string, unknown>[];
  scrapeInterval?: string;
  scrapeTimeout?: string;
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface Prometheus {
  url: string;
  service: Service;
  /** Instant query; throws with Prometheus's error text. */
  query(promql: string): Promise<Sample[]>;
  /** Polls the query until check() accepts the samples, or throws with the last answer. */
  waitFor(
    promql: string,
    check: (samples: Sample[]) => boolean,
    timeoutMs?: number,
  ): Promise<Sample[]>;
  /** Health of every scrape target, by job. */
  targets(): Promise<{ job: string; health: string; lastError: string; scrapeUrl: string }[]>;
  stop(): Promise<void>;
}

export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  const dir = tempDir("prometheus");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = {
    global: {
      scrape_interval: options.scrapeInterval ?? "1s",
      scrape_timeout: options.scrapeTimeout ?? "1s",
      evaluation_interval: "1s",
    },
    scrape_configs: options.scrapeConfigs,
  };
  writeFileSync(join(dir, "prometheus.yml"), JSON.stringify(config, null, 2));
  const service = await startService({
    name: "prometheus",
    dir,
    command: [
      "/usr/bin/prometheus",
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    ready: () => httpReady(`${url}/-/ready`),
    timeoutMs: 30000,
  });

  async function api<T>(path: string): Promise<T> {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  }

  async function query(promql: string): Promise<Sample[]> {
    const data = await api<{
      result: { metric: Record<string, string>; value: [number, string] }[];
    }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
    return data.result.map((item) => ({ metric: item.metric, value: Number(item.value[1]) }));
  }

  return {
    url,
    service,
    query,
    async waitFor(promql, check, timeoutMs = 30000) {
      const deadline = Date.now() + timeoutMs;
      let last: Sample[] = [];
      while (Date.now() < deadline) {
        last = await query(promql);
        if (check(last)) return last;
        await Bun.sleep(250);
      }
      throw new Error(
        `prometheus: ${promql} never satisfied the test; last answer: ${JSON.stringify(last)}`,
      );
    },
    async targets() {
      const data = await api<{
        activeTargets: {
          labels: Record<string, string>;
          health: string;
          lastError: string;
          scrapeUrl: string;
        }[];
      }>("/api/v1/targets");
      return data.activeTargets.map((target) => ({
        job: target.labels.job ?? "",
        health: target.health,
        lastError: target.lastError,
        scrapeUrl: target.scrapeUrl,
      }));
    },
    stop: () => service.stop(),
  };
}
