/**
 * The exporter's command: where the checks come from (--checks-file or the exporter section of
 * the config file), then --check-config, --once, or the daemon until SIGINT/SIGTERM (reloading on
 * SIGHUP and, with --watch-interval, when the file changes). The entry (scripts/exporter.ts)
 * loads this only when it runs, so --version and --help stay light.
 */
import { ConfigError } from "../cli/errors.ts";
import { ExitCode } from "../cli/exit-codes.ts";
import type { ToolContext } from "../cli/types.ts";
import { type ExporterConfig, loadExporterConfig } from "./config.ts";
import { ExporterDaemon } from "./daemon.ts";
import { parseListenAddress } from "./listen-address.ts";
import { runAllOnce } from "./once.ts";
import type { exporterOptions } from "./options.ts";
import { shownTarget } from "./target-text.ts";
import { watchFile } from "./watch.ts";
import { loadWebConfig, type WebConfig } from "./web-config.ts";

type ExporterContext = ToolContext<typeof exporterOptions>;

export async function runExporter(ctx: ExporterContext): Promise<number> {
  const { options } = ctx;
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
  // SIGHUP's default action kills the process: a `systemctl reload` right after a start (while
  // the config loads, before the daemon listens) is held and done once it serves.
  const daemonMode = !options.checkConfig && !options.once;
  const held = { hangup: false };
  const holdHangup = () => {
    held.hangup = true;
  };
  if (daemonMode) process.on("SIGHUP", holdHangup);
  try {
    let config: ExporterConfig;
    try {
      config = await load();
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    if (options.checkConfig) return reportValid(ctx, source, config);
    if (options.once) return runOnce(ctx, config);
    return await serve(ctx, source, config, load, () => {
      process.off("SIGHUP", holdHangup);
      return held.hangup;
    });
  } finally {
    process.off("SIGHUP", holdHangup);
  }
}

/** --check-config: the config loaded, so it is valid; say what it holds. */
function reportValid(
  { options, out }: ExporterContext,
  source: string | undefined,
  config: ExporterConfig,
): number {
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

/** --once: every check once, a table (or one record each), 1 if any failed. */
async function runOnce(ctx: ExporterContext, config: ExporterConfig): Promise<number> {
  const { options, log, out } = ctx;
  const results = await runAllOnce(config, log, ctx.signal);
  if (options.json)
    for (const { spec, result } of results)
      out.record({
        check: spec.name,
        kind: spec.kind,
        target: shownTarget(spec.target),
        ...result,
      });
  else
    out.table(results, [
      { header: "CHECK", value: (r) => r.spec.name },
      { header: "KIND", value: (r) => r.spec.kind },
      { header: "RESULT", value: (r) => (r.result.success ? "ok" : out.style("FAIL", "red")) },
      { header: "SECONDS", value: (r) => r.result.durationSeconds.toFixed(3), align: "right" },
      { header: "DETAIL", value: (r) => r.result.error ?? shownTarget(r.spec.target) },
    ]);
  return results.every(({ result }) => result.success) ? ExitCode.ok : ExitCode.failure;
}

/** The daemon, until ctx.signal aborts: SIGHUP (and a changed file, if watched) reloads. */
async function serve(
  ctx: ExporterContext,
  source: string | undefined,
  config: ExporterConfig,
  load: () => Promise<ExporterConfig>,
  /** Stops holding SIGHUPs; true if one came while starting. */
  releaseHangups: () => boolean,
): Promise<number> {
  const { options, log } = ctx;
  if (!source)
    log.warn("no checks configured: serving /probe only with no modules (see --checks-file)");
  let address: { hostname: string; port: number };
  let webConfig: WebConfig | undefined;
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
  if (releaseHangups()) {
    log.info("SIGHUP while starting: reloading the configuration now", { file: source });
    void daemon.reload();
  }
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
}
