import { runTool } from "../lib/cli/run-tool.ts";
import { defineTool } from "../lib/cli/types.ts";
import { exporterOptions } from "../lib/exporter/options.ts";

export const exporter = defineTool({
  name: "exporter",
  description:
    "Prometheus exporter for http/tcp/dns/cert/file/command/process checks from one YAML file",
  options: exporterOptions,
  runsUntilStopped: (options) => !options.once && !options.checkConfig,
  exitCodes: {
    0: "stopped cleanly by SIGTERM (the daemon's normal end); --once: every check passed",
    1: "--once: a check failed; or the daemon could not start (port taken)",
    143: "--once stopped by SIGTERM after a clean stop",
  },
  configKeys: {
    checks: "a list of checks (name, kind, target, interval, timeout, labels, <kind>: settings)",
    modules:
      "a mapping of probe modules for /probe (name -> kind/prober, timeout, <kind>: settings)",
  },
  examples: [
    "exporter --checks-file /etc/opsctl/checks.yaml --listen-address 127.0.0.1:9469",
    "exporter --checks-file checks.yaml --once",
    "exporter --checks-file checks.yaml --check-config",
    "curl '127.0.0.1:9469/probe?module=http_2xx&target=https://example.org'",
    "kill -HUP $(pidof exporter)   # or: curl -X POST 127.0.0.1:9469/-/reload",
  ],
  async run(ctx) {
    // The engine loads here, not at start: --version and --help stay light.
    const { runExporter } = await import("../lib/exporter/command.ts");
    return runExporter(ctx);
  },
});

export default exporter;

if (import.meta.main) process.exit(await runTool(exporter, { argv: process.argv.slice(2) }));
