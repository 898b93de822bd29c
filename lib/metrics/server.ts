import type { Server } from "bun";
import type { Registry } from "prom-client";

export interface MetricsServerOptions {
  registry: Registry;
  hostname: string;
  port: number;
  /** /readyz answers 503 until this returns true (e.g. caches synced). */
  ready?: () => boolean;
  /** Routes of the daemon itself (/probe, /-/reload...): return undefined to fall through to 404. */
  handle?: (request: Request, url: URL) => Response | Promise<Response> | undefined;
}

/** /metrics, /healthz and /readyz on Bun.serve. */
export function serveMetrics(options: MetricsServerOptions): Server<undefined> {
  const { registry } = options;
  return Bun.serve({
    hostname: options.hostname,
    port: options.port,
    async fetch(request) {
      const url = new URL(request.url);
      switch (url.pathname) {
        case "/metrics":
          return new Response(await registry.metrics(), {
            headers: { "content-type": registry.contentType },
          });
        case "/healthz":
          return new Response("ok\n");
        case "/readyz":
          return (options.ready?.() ?? true)
            ? new Response("ok\n")
            : new Response("not ready\n", { status: 503 });
        default:
          return (
            (await options.handle?.(request, url)) ?? new Response("not found\n", { status: 404 })
          );
      }
    },
  });
}
