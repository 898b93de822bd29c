// Plain JSON REST calls to the API server through Bun's fetch with the kubeconfig's TLS and
// auth (lib/k8s). Raw objects, no client-node (de)serialisation: cheaper for 10k pods, and we
// see every status code (a 429 from the Eviction API must be told apart from a failure).
import type { KubeConfig } from "@kubernetes/client-node";
import { kubeRequestOptions } from "../../k8s/tls.ts";

export class KubeApiError extends Error {
  override name = "KubeApiError";
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

export class KubeRest {
  readonly server: string;

  constructor(readonly kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error(`kubeconfig: context "${kc.getCurrentContext()}" has no cluster`);
    this.server = cluster.server.replace(/\/$/, "");
  }

  url(path: string, query: RequestOptions["query"] = {}): URL {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query))
      if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /** Sends one request; throws KubeApiError on a non-2xx answer. */
  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<T> {
    const { tls, headers } = await kubeRequestOptions(this.kc);
    const init: RequestInit & { tls: unknown } = {
      method,
      headers: { Accept: "application/json", "User-Agent": "opsctl-podpatrol", ...headers },
      tls,
      signal: options.signal ?? AbortSignal.timeout(30_000),
    };
    if (options.body !== undefined) {
      (init.headers as Record<string, string>)["Content-Type"] =
        options.contentType ?? "application/json";
      init.body = JSON.stringify(options.body);
    }
    const response = await fetch(this.url(path, options.query), init);
    const text = await response.text();
    if (!response.ok) {
      let reason = response.statusText;
      let message = text.slice(0, 300);
      try {
        const status = JSON.parse(text) as { reason?: string; message?: string };
        reason = status.reason ?? reason;
        message = status.message ?? message;
      } catch {
        // not a Status object: keep the raw text
      }
      throw new KubeApiError(
        response.status,
        reason,
        `${method} ${path}: ${response.status} ${message}`,
      );
    }
    return (text ? JSON.parse(text) : {}) as T;
  }
}
