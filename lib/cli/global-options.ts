import type { OptionSpecs } from "./types.ts";

/**
 * Flags every tool has. Their env vars are OPSCTL_<FLAG> (or OPSCTL_<TOOL>_<FLAG>), except
 * --config: OPSCTL_CONFIG only (the file holds every tool's section).
 */
export const globalOptions = {
  json: {
    type: "boolean",
    description: "Machine-readable output: JSON (NDJSON for streams)",
    default: false,
  },
  config: {
    type: "string",
    description:
      "Config file (default: ./opsctl.yaml, $XDG_CONFIG_HOME/opsctl/config.yaml, /etc/opsctl/config.yaml)",
    valueHint: "FILE",
    layered: false,
  },
  logLevel: {
    type: "enum",
    description: "Log level on stderr",
    choices: ["debug", "info", "warn", "error"],
    default: "info",
  },
  logFormat: {
    type: "enum",
    description: "Log format: text on a terminal, json otherwise (auto)",
    choices: ["auto", "text", "json"],
    default: "auto",
  },
  debug: { type: "boolean", description: "Debug logs and stack traces on errors", default: false },
  color: {
    type: "boolean",
    description: "Color on a terminal (--no-color or NO_COLOR disable it)",
    default: true,
  },
  metricsPush: {
    type: "string",
    description: "Push run metrics to this Prometheus Pushgateway URL (job = tool name)",
    valueHint: "URL",
  },
  metricsTextfile: {
    type: "string",
    description: "Write run metrics to this file for node_exporter's textfile collector (atomic)",
    valueHint: "PATH",
  },
  otlpEndpoint: {
    type: "string",
    description:
      "Send traces, metrics and logs over OTLP to this collector (default: OTEL_EXPORTER_OTLP_ENDPOINT)",
    valueHint: "URL",
  },
  otlpProtocol: {
    type: "enum",
    description: "OTLP protocol (default: OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf)",
    choices: ["http/protobuf", "http/json", "grpc"],
    valueHint: "PROTOCOL",
  },
  help: { type: "boolean", short: "h", description: "Show this help", layered: false },
  version: {
    type: "boolean",
    short: "V",
    description: "Show version, commit, build date and target",
    layered: false,
  },
  completion: {
    type: "enum",
    description: "Print a shell completion script",
    choices: ["bash", "zsh", "fish"],
    valueHint: "SHELL",
    layered: false,
  },
} as const satisfies OptionSpecs;

export type GlobalOptionName = keyof typeof globalOptions;

export function isGlobalOption(name: string): name is GlobalOptionName {
  return Object.hasOwn(globalOptions, name);
}
