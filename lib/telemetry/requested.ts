/**
 * The one check the runner makes on every start: is an OTLP endpoint configured? Kept free of
 * imports so a tool without OpenTelemetry never loads the SDK (lib/telemetry/hook.ts).
 */

const endpointVariables = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
  "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
] as const;

export function otlpRequested(
  env: Record<string, string | undefined>,
  otlpEndpointSetting: string | undefined,
): boolean {
  if ((env.OTEL_SDK_DISABLED ?? "").trim().toLowerCase() === "true") return false;
  if (otlpEndpointSetting) return true;
  return endpointVariables.some((name) => (env[name] ?? "").trim() !== "");
}
