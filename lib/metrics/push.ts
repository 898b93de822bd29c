import { hostname } from "node:os";
import { hidePassword } from "../cli/redact.ts";

export interface PushOptions {
  /** Pushgateway base URL, e.g. http://127.0.0.1:9091 */
  url: string;
  job: string;
  /** Extra grouping labels; instance defaults to the host name so hosts do not overwrite each other. */
  grouping?: Record<string, string>;
  timeoutMs?: number;
  /**
   * PUT (default) replaces the whole group: a run's metrics never mix with a previous run's.
   * POST replaces only the families sent: a failed run's, which leave out last success, keep it.
   */
  method?: "PUT" | "POST";
}

/**
 * The Pushgateway URL of --metrics-push, checked before the run (a typo found after an hour of
 * work loses that run's metrics). Throws naming the value.
 */
export function pushUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`--metrics-push "${text}": not a URL (expected http://HOST:9091)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`--metrics-push "${hidePassword(url.href)}": not an http or https URL`);
  return url;
}

export async function pushMetrics(exposition: string, options: PushOptions): Promise<void> {
  const grouping = { instance: hostname(), ...options.grouping };
  const url = pushUrl(options.url);
  const where = hidePassword(url.href);
  const path = [`job/${encodeURIComponent(options.job)}`]
    .concat(
      Object.entries(grouping).map(
        ([key, value]) => `${encodeURIComponent(key)}/${encodeURIComponent(value)}`,
      ),
    )
    .join("/");
  url.pathname = `${url.pathname.replace(/\/$/, "")}/metrics/${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? "PUT",
      body: exposition,
      headers: { "content-type": "text/plain; version=0.0.4" },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
  } catch (error) {
    const message = (error as Error).message.replaceAll(options.url, where);
    throw new Error(`pushing metrics to ${where}: ${message}`);
  }
  if (!response.ok) {
    const body = (await response.text()).trim().slice(0, 300);
    throw new Error(`pushing metrics to ${where}: HTTP ${response.status} ${body}`);
  }
}
