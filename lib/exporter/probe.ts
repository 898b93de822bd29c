/**
 * /probe?module=NAME&target=X, compatible with blackbox_exporter: runs the module now, bounded by
 * the scrape's X-Prometheus-Scrape-Timeout-Seconds (minus an offset, so the answer arrives in time).
 */
import type { Logger } from "../cli/log.ts";
import { checkKinds } from "./checks/index.ts";
import type { ExporterConfig } from "./config.ts";
import { contentType, FamilyWriter, writeResult } from "./exposition/render.ts";
import { runCheck } from "./run-check.ts";
import { shownTarget } from "./target-text.ts";
import type { CheckResult, CheckSpec } from "./types.ts";

export const probePrefix = "probe_";
const timeoutOffsetSeconds = 0.5;

export function probeTimeout(request: Request, spec: CheckSpec): number {
  const header = Number.parseFloat(
    request.headers.get("x-prometheus-scrape-timeout-seconds") ?? "",
  );
  if (!Number.isFinite(header) || header <= 0) return spec.timeout;
  return Math.max(0.1, Math.min(spec.timeout, header - timeoutOffsetSeconds));
}

export async function handleProbe(
  request: Request,
  url: URL,
  config: ExporterConfig,
  log: Logger,
  onResult: (spec: CheckSpec, result: CheckResult) => void = () => {},
): Promise<Response> {
  const moduleName = url.searchParams.get("module") ?? "http_2xx";
  const spec = config.modules.get(moduleName);
  if (!spec) return new Response(`Unknown module "${moduleName}"\n`, { status: 400 });
  const target = url.searchParams.get("target") ?? "";
  if (target === "" && !["command", "dns"].includes(spec.kind))
    return new Response("Target parameter is missing\n", { status: 400 });
  const problem = target
    ? checkKinds[spec.kind]?.validateTarget?.(target, spec.settings)
    : undefined;
  if (problem) return new Response(`Target "${target}": ${problem}\n`, { status: 400 });
  const result = await runCheck(spec, target, {
    timeout: probeTimeout(request, spec),
    signal: request.signal,
    log,
  });
  onResult(spec, result);
  if (!result.success)
    log.debug("probe failed", {
      module: moduleName,
      target: shownTarget(target),
      reason: result.error,
    });
  const writer = new FamilyWriter();
  writeResult(writer, probePrefix, {}, spec, result, false);
  if (url.searchParams.get("debug") === "true") {
    // blackbox_exporter's debug page: why the probe failed, then the metrics.
    const timeout = probeTimeout(request, spec);
    const why = result.success ? "probe succeeded" : `probe failed: ${result.error}`;
    const text = `Module ${moduleName} (${spec.kind}), target ${target}, timeout ${timeout}s\n${why}\n\nMetrics that would have been returned:\n${writer.text()}`;
    return new Response(text, { headers: { "content-type": "text/plain; charset=utf-8" } });
  }
  return new Response(writer.text(), { headers: { "content-type": contentType } });
}
