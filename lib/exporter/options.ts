/** The exporter's flags: data only, so `exporter --version` and `--help` load no engine. */

export const exporterOptions = {
  checksFile: {
    type: "string",
    description:
      "YAML file with `checks:` and `modules:` (else the exporter section of the config)",
    valueHint: "FILE",
  },
  listenAddress: {
    type: "string",
    description: "Address to serve /metrics, /probe, /healthz, /readyz on",
    default: ":9469",
    valueHint: "HOST:PORT",
  },
  webConfigFile: {
    type: "string",
    description: "TLS and basic auth, in the exporter-toolkit web.config.file format",
    valueHint: "FILE",
  },
  concurrency: {
    type: "integer",
    description: "Checks running at the same time, at most",
    default: 16,
    min: 1,
    valueHint: "N",
  },
  defaultInterval: {
    type: "duration",
    min: 1,
    timer: true,
    description: "Interval of checks that set none",
    default: 30,
    valueHint: "DURATION",
  },
  defaultTimeout: {
    type: "duration",
    min: 0,
    minExclusive: true,
    timer: true,
    description: "Timeout of checks and modules that set none",
    default: 10,
    valueHint: "DURATION",
  },
  watchInterval: {
    type: "duration",
    timer: true,
    description:
      "Reload when the checks file's content changes, checked this often (0 = only on SIGHUP)",
    default: 0,
    valueHint: "DURATION",
  },
  once: {
    type: "boolean",
    description: "Run every check once, print the results, exit 1 if any failed",
    layered: false,
  },
  checkConfig: {
    type: "boolean",
    description: "Validate the configuration and exit (2 if invalid)",
    layered: false,
  },
} as const;
