import type { Server } from "bun";
import type { Registry } from "prom-client";

/** PEM texts; with requestCert, only clients signed by ca get through. */
export interface ServerTls {
  cert: string;
  key: string;
  ca?: string;
  requestCert: boolean;
}

/** What /metrics serves: one registry's text, or a response the daemon builds itself. */
type MetricsSource =
  | { registry: Registry; metrics?: never }
  | {
      registry?: never;
      /** E.g. several sources in one body, or a request counter to bump. */
      metrics: () => Response | Promise<Response>;
    };

export type MetricsServerOptions = MetricsSource & {
  hostname: string;
  port: number;
  /** /readyz answers 503 until this returns true (e.g. caches synced). */
  ready?: () => boolean;
  /** Why /readyz answers 503: "not ready: <reason>" instead of "not ready". */
  notReadyReason?: string;
  tls?: ServerTls;
  /**
   * Asked first, on every request: a Response (e.g. a 401) is sent as it is, undefined lets the
   * request through. Which paths stay open (health probes) is the caller's decision.
   */
  authorize?: (request: Request) => Response | undefined | Promise<Response | undefined>;
  /** Set on every response but the refusals of authorize (e.g. web config http headers). */
  headers?: Record<string, string>;
  /** Routes of the daemon itself (/probe, /-/reload...): return undefined to fall through to 404. */
  handle?: (request: Request, url: URL) => Response | Promise<Response> | undefined;
};

/** /metrics, /healthz and /readyz on Bun.serve, over TLS and behind authorize when given. */
export function serveMetrics(options: MetricsServerOptions): Server<undefined> {
  const { tls, headers } = options;
  return Bun.serve({
    hostname: options.hostname,
    port: options.port,
    ...(tls
      ? {
          tls: {
            cert: tls.cert,
            key: tls.key,
            ...(tls.ca ? { ca: tls.ca } : {}),
            requestCert: tls.requestCert,
            rejectUnauthorized: tls.requestCert,
          },
        }
      : {}),
    async fetch(request) {
      const refused = await options.authorize?.(request);
      if (refused) return refused;
      const response = await route(options, request);
      if (headers)
        for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
      return response;
    },
  });
}

async function route(options: MetricsServerOptions, request: Request): Promise<Response> {
  const url = new URL(request.url);
  switch (url.pathname) {
    case "/metrics":
      if (options.metrics) return options.metrics();
      return new Response(await options.registry.metrics(), {
        headers: { "content-type": options.registry.contentType },
      });
    case "/healthz":
      return new Response("ok\n");
    case "/readyz":
      if (options.ready?.() ?? true) return new Response("ok\n");
      return new Response(
        options.notReadyReason ? `not ready: ${options.notReadyReason}\n` : "not ready\n",
        { status: 503 },
      );
    default:
      return (await options.handle?.(request, url)) ?? new Response("not found\n", { status: 404 });
  }
}
