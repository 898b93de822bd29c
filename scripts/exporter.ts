import { ConfigError } from "../lib/cli/errors.ts";
import { ExitCode } from "../lib/cli/exit-codes.ts";
import { runTool } from "../lib/cli/run-tool.ts";
import { defineTool } from "../lib/cli/types.ts";
import { type ExporterConfig, loadExporterConfig } from "../lib/exporter/config.ts";
import { ExporterDaemon } from "../lib/exporter/daemon.ts";
import { parseListenAddress } from "../lib/exporter/listen-address.ts";
import { runAllOnce } from "../lib/exporter/once.ts";
import { watchFile } from "../lib/exporter/watch.ts";
import { loadWebConfig } from "../lib/exporter/web-config.ts";

export const exporter = defineTool({
  name: "exporter",
  description:
    "Prometheus exporter for http/tcp/dns/cert/file/command/process checks from one YAML file",
  options: {
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
      valueHint: "N",
    },
    defaultInterval: {
      type: "duration",
      description: "Interval of checks that set none",
      default: 30,
      valueHint: "DURATION",
    },
    defaultTimeout: {
      type: "duration",
      description: "Timeout of checks and modules that set none",
      default: 10,
      valueHint: "DURATION",
    },
    watchInterval: {
      type: "duration",
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
    const { options, log, out } = ctx;
    const defaults = { interval: options.defaultInterval, timeout: options.defaultTimeout };
    const sectionHasChecks = ctx.config.checks !== undefined || ctx.config.modules !== undefined;
    if (options.checksFile && sectionHasChecks)
      throw new ConfigError(
        `checks come from --checks-file ${options.checksFile} and from the exporter section of ${ctx.configFile}: keep one`,
      );
    const source = options.checksFile ?? (sectionHasChecks ? ctx.configFile : undefined);
    const load = async (): Promise<ExporterConfig> => {
      if (!source) return { checks: [], modules: new Map() };
      return loadExporterConfig(source, defaults, options.checksFile ? "file" : "exporter-section");
    };
    let config: ExporterConfig;
    try {
      config = await load();
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    if (options.checkConfig) {
      const summary = {
        file: source ?? null,
        checks: config.checks.length,
        modules: config.modules.size,
      };
      if (options.json) out.document({ valid: true, ...summary });
      else
        out.line(
          `${source ?? "(no config)"}: valid: ${summary.checks} checks, ${summary.modules} modules`,
        );
      return ExitCode.ok;
    }
    if (options.once) {
      const results = await runAllOnce(config, log, ctx.signal);
      if (options.json)
        for (const { spec, result } of results)
          out.record({ check: spec.name, kind: spec.kind, target: spec.target, ...result });
      else
        out.table(results, [
          { header: "CHECK", value: (r) => r.spec.name },
          { header: "KIND", value: (r) => r.spec.kind },
          { header: "RESULT", value: (r) => (r.result.success ? "ok" : out.style("FAIL", "red")) },
          { header: "SECONDS", value: (r) => r.result.durationSeconds.toFixed(3), align: "right" },
          { header: "DETAIL", value: (r) => r.result.error ?? r.spec.target },
        ]);
      return results.every(({ result }) => result.success) ? ExitCode.ok : ExitCode.failure;
    }
    if (!source)
      log.warn("no checks configured: serving /probe only with no modules (see --checks-file)");
    let address: { hostname: string; port: number };
    let webConfig: Awaited<ReturnType<typeof loadWebConfig>> | undefined;
    try {
      address = parseListenAddress(options.listenAddress);
      webConfig = options.webConfigFile ? await loadWebConfig(options.webConfigFile) : undefined;
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    const daemon = new ExporterDaemon({
      ...address,
      webConfig,
      load,
      log,
      concurrency: options.concurrency,
    });
    await daemon.start(config);
    const onHangup = () => void daemon.reload();
    process.on("SIGHUP", onHangup);
    const unwatch =
      source && options.watchInterval > 0
        ? watchFile(source, options.watchInterval, () => {
            log.info("config file changed, reloading", { file: source });
            void daemon.reload();
          })
        : () => {};
    log.info("exporter listening", {
      url: daemon.url,
      checks: config.checks.length,
      modules: config.modules.size,
    });
    await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
    process.off("SIGHUP", onHangup);
    unwatch();
    await daemon.stop();
    log.info("exporter stopped");
    return ExitCode.ok;
  },
});

export default exporter;

if (import.meta.main) process.exit(await runTool(exporter, { argv: process.argv.slice(2) }));
