/**
 * The exporter daemon: scheduled checks into a cached store, /probe, its own metrics, health,
 * and reloads that swap a valid config atomically and leave the old one serving otherwise.
 */
import type { Server } from "bun";
import type { Logger } from "../cli/log.ts";
import { serveMetrics } from "../metrics/server.ts";
import { addOtlpMetricSource } from "../telemetry/metric-sources.ts";
import { traceUnitsSeparately } from "../telemetry/span.ts";
import type { ExporterConfig } from "./config.ts";
import { contentType } from "./exposition/render.ts";
import { handleProbe } from "./probe.ts";
import { Scheduler } from "./scheduler.ts";
import { SelfMetrics } from "./self-metrics.ts";
import { ResultStore } from "./store.ts";
import { shownTarget } from "./target-text.ts";
import type { CheckResult, CheckSpec } from "./types.ts";
import { BasicAuth, type WebConfig } from "./web-config.ts";

export interface DaemonOptions {
  hostname: string;
  port: number;
  webConfig: WebConfig | undefined;
  /** Reads and validates the configuration; throws with the reason. */
  load: () => Promise<ExporterConfig>;
  log: Logger;
  concurrency: number;
}

export interface ReloadOutcome {
  ok: boolean;
  error?: string;
  checks?: number;
  modules?: number;
}

export class ExporterDaemon {
  private config: ExporterConfig = { checks: [], modules: new Map() };
  private scheduler: Scheduler | undefined;
  private readonly store = new ResultStore();
  readonly metrics = new SelfMetrics();
  private server: Server<undefined> | undefined;
  private reloading: Promise<ReloadOutcome> | undefined;
  private readonly auth: BasicAuth;
  private readonly untrack: (() => void)[] = [];

  constructor(private readonly options: DaemonOptions) {
    this.auth = new BasicAuth(options.webConfig?.users ?? new Map());
  }

  /** Loads the config (throws if invalid: nothing starts) and starts serving. */
  async start(initial?: ExporterConfig): Promise<void> {
    const config = initial ?? (await this.options.load());
    // Listen first: if the port is taken, no check (no child process) has started yet.
    this.server = this.listen();
    this.apply(config);
    this.metrics.reloads.inc({ result: "success" });
    // OTLP (when configured) exports what /metrics serves; one trace per check run.
    this.untrack.push(
      addOtlpMetricSource(this.metrics.registry),
      addOtlpMetricSource(() => this.store.exposition()),
    );
    traceUnitsSeparately();
  }

  get url(): string {
    const server = this.server;
    if (!server) throw new Error("not started");
    const scheme = this.options.webConfig?.tls ? "https" : "http";
    const host = server.hostname?.includes(":") ? `[${server.hostname}]` : server.hostname;
    return `${scheme}://${host}:${server.port}`;
  }

  /** SIGHUP and POST /-/reload: concurrent requests share one reload. */
  reload(): Promise<ReloadOutcome> {
    this.reloading ??= this.doReload().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  async stop(): Promise<void> {
    this.scheduler?.stop();
    await this.server?.stop(true);
    for (const remove of this.untrack.splice(0)) remove();
  }

  private async doReload(): Promise<ReloadOutcome> {
    let config: ExporterConfig;
    try {
      config = await this.options.load();
    } catch (error) {
      const reason = (error as Error).message;
      this.metrics.reloads.inc({ result: "failure" });
      this.metrics.lastReloadSuccessful.set(0);
      this.options.log.error("config reload rejected, the previous config keeps running", {
        reason,
      });
      return { ok: false, error: reason };
    }
    this.apply(config);
    this.metrics.reloads.inc({ result: "success" });
    this.options.log.info("config reloaded", {
      checks: config.checks.length,
      modules: config.modules.size,
    });
    return { ok: true, checks: config.checks.length, modules: config.modules.size };
  }

  /** Swaps in a validated config: one assignment, then the old scheduler stops. */
  private apply(config: ExporterConfig): void {
    const old = this.scheduler;
    old?.stop();
    this.store.useChecks(config.checks);
    this.config = config;
    this.scheduler = new Scheduler(
      config.checks,
      this.store,
      this.options.log,
      this.options.concurrency,
      (spec, result) => this.count(spec, result),
    );
    this.scheduler.start();
    this.metrics.checks.set(config.checks.length);
    this.metrics.lastReloadSuccessful.set(1);
    this.metrics.lastReloadSuccessTime.set(Date.now() / 1000);
  }

  private count(spec: CheckSpec, result: CheckResult): void {
    this.metrics.checkRuns.inc({ kind: spec.kind, result: result.success ? "success" : "failure" });
  }

  private listen(): Server<undefined> {
    const tls = this.options.webConfig?.tls;
    return serveMetrics({
      hostname: this.options.hostname,
      port: this.options.port,
      ...(tls ? { tls } : {}),
      headers: this.options.webConfig?.headers ?? {},
      authorize: async (request) => {
        // Health endpoints stay open for kubelet and systemd probes: they reveal nothing. The
        // path alone decides (a query ending in "/healthz" must not open /metrics or /probe).
        const path = new URL(request.url).pathname;
        const open = path === "/healthz" || path === "/readyz";
        if (!this.auth.enabled || open || (await this.auth.check(request))) return undefined;
        return new Response("Unauthorized\n", {
          status: 401,
          headers: { "www-authenticate": 'Basic realm="opsctl exporter"' },
        });
      },
      metrics: async () => {
        this.metrics.requests.inc({ endpoint: "metrics" });
        const own = await this.metrics.registry.metrics();
        return new Response(new Blob([own, this.store.expositionBytes()]), {
          headers: { "content-type": contentType },
        });
      },
      ready: () => this.store.complete(),
      notReadyReason: "some checks have not run yet",
      handle: (request, url) => this.route(request, url),
    });
  }

  /** The exporter's own routes; /metrics, /healthz and /readyz are serveMetrics'. */
  private async route(request: Request, url: URL): Promise<Response> {
    switch (url.pathname) {
      case "/probe":
        this.metrics.requests.inc({ endpoint: "probe" });
        return handleProbe(request, url, this.config, this.options.log, (spec, result) =>
          this.count(spec, result),
        );
      case "/-/reload": {
        if (request.method !== "POST" && request.method !== "PUT")
          return new Response("use POST to reload\n", { status: 405, headers: { allow: "POST" } });
        const outcome = await this.reload();
        return Response.json(outcome, { status: outcome.ok ? 200 : 400 });
      }
      case "/checks":
        return Response.json(this.status());
      case "/":
        return new Response(
          "opsctl exporter: /metrics (scheduled checks), /probe?module=NAME&target=X, /checks, /healthz, /readyz, POST /-/reload\n",
        );
      default:
        this.metrics.requests.inc({ endpoint: "other" });
        return new Response("not found\n", { status: 404 });
    }
  }

  /** Every scheduled check with its last outcome and the reason it failed. */
  status(): object[] {
    return this.store.list().map(({ spec, result }) => ({
      name: spec.name,
      kind: spec.kind,
      target: shownTarget(spec.target),
      interval: spec.interval,
      timeout: spec.timeout,
      success: result?.success ?? null,
      duration_seconds: result?.durationSeconds ?? null,
      last_run: result ? new Date(result.timestamp * 1000).toISOString() : null,
      error: result?.error ?? null,
    }));
  }
}
