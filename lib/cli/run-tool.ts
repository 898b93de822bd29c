import { pushMetrics, pushUrl } from "../metrics/push.ts";
import { writeTextfile } from "../metrics/textfile.ts";
import { otlpRequested } from "../telemetry/requested.ts";
import { parseCommandLine } from "./args.ts";
import { completionScript, type Shell } from "./completion.ts";
import { loadConfigFile, locateConfigFile } from "./config-file.ts";
import { describeError, exitCodeOf, UsageError } from "./errors.ts";
import { ExitCode } from "./exit-codes.ts";
import { globalOptions } from "./global-options.ts";
import { renderHelp } from "./help.ts";
import { Logger, type LogLevel } from "./log.ts";
import { nextTurn } from "./next-turn.ts";
import { Output, StdoutWriteError } from "./output.ts";
import { printText } from "./print.ts";
import { Progress } from "./progress.ts";
import { type ResolvedSettings, resolveSettings } from "./settings.ts";
import { toolNames } from "./tool-names.ts";
import type { GlobalValues, OptionSpecs, ToolContext, ToolSpec } from "./types.ts";
import { formatVersion } from "./version.ts";

export interface RunEnvironment {
  argv: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Name shown in help and errors: "ffind" or "opsctl ffind". */
  commandName?: string;
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
}

/** Runs around a tool's body: stderr gets errors, the caller gets the exit code. */
export type TelemetryHook = (
  ctx: ToolContext,
) => Promise<{ end(exitCode: number, error?: unknown): Promise<void> }>;
let telemetryHook: TelemetryHook | undefined;

/** Overrides the OTLP hook (tests); by default lib/telemetry/hook.ts is used when configured. */
export function setTelemetryHook(hook: TelemetryHook): void {
  telemetryHook = hook;
}

/** The OpenTelemetry SDK is imported only when an OTLP endpoint is configured: others pay nothing. */
async function startTelemetry(ctx: ToolContext) {
  if (telemetryHook) return telemetryHook(ctx);
  if (!otlpRequested(ctx.env, ctx.options.otlpEndpoint)) return undefined;
  const { telemetryHook: otlpHook } = await import("../telemetry/hook.ts");
  return otlpHook(ctx);
}

/**
 * Parses flags, layers env and config, runs the tool, records and ships its metrics, and
 * returns the exit code. It never calls process.exit: the script does.
 */
export async function runTool(
  spec: ToolSpec<OptionSpecs>,
  environment: RunEnvironment,
): Promise<number> {
  const env = environment.env ?? process.env;
  const commandName = environment.commandName ?? spec.name;
  const stderrIsTTY = environment.stderrIsTTY ?? Boolean(process.stderr.isTTY);
  const stdoutIsTTY = environment.stdoutIsTTY ?? Boolean(process.stdout.isTTY);
  const debugRequested = environment.argv.includes("--debug");
  const options = { ...spec.options, ...globalOptions } as OptionSpecs;

  let resolved: ResolvedSettings;
  let positionals: string[];
  let configFile: string | undefined;
  try {
    const commandLine = parseCommandLine(environment.argv, options);
    const flags = commandLine.flags;
    if (flags.help) {
      const color = stdoutIsTTY && !(env.NO_COLOR ?? "") && flags.color !== false;
      return printText(commandName, await renderHelp(spec, commandName, color));
    }
    if (flags.version) {
      return printText(commandName, `${formatVersion(spec.name)}\n`);
    }
    if (typeof flags.completion === "string") {
      const shell = flags.completion;
      if (!["bash", "zsh", "fish"].includes(shell))
        throw new UsageError(`--completion: "${shell}" is not one of: bash, zsh, fish`);
      // The tool's own command: "opsctl ffind" would register two commands, opsctl and ffind
      // (opsctl's completion replaced by ffind's), and fish refuses the extra word.
      return printText(
        commandName,
        completionScript(shell as Shell, { command: spec.name, options: spec.options }),
      );
    }
    positionals = commandLine.positionals;
    if (spec.positionals?.required && positionals.length === 0) {
      throw new UsageError(`missing ${spec.positionals.name}`);
    }
    if (!spec.positionals && positionals.length > 0)
      throw new UsageError(`unexpected argument "${positionals[0]}"`);
    configFile = locateConfigFile(
      typeof flags.config === "string" ? flags.config : env.OPSCTL_CONFIG || undefined,
      env,
      environment.cwd ?? process.cwd(),
    );
    const file = configFile ? loadConfigFile(configFile, ["global", ...toolNames]) : undefined;
    resolved = resolveSettings({
      tool: spec.name,
      options,
      flags,
      env,
      file,
      ...(spec.configKeys ? { configKeys: spec.configKeys } : {}),
    });
    const { metricsPush } = resolved.values as Record<string, unknown> & GlobalValues;
    if (metricsPush) {
      try {
        pushUrl(metricsPush);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
  } catch (error) {
    process.stderr.write(`${commandName}: error: ${describeError(error)}\n`);
    if (exitCodeOf(error) === ExitCode.usage)
      process.stderr.write(`Try '${commandName} --help'.\n`);
    if (debugRequested && error instanceof Error && error.stack)
      process.stderr.write(`${error.stack}\n`);
    return exitCodeOf(error) === ExitCode.failure ? ExitCode.usage : exitCodeOf(error);
  }

  const values = resolved.values as Record<string, unknown> & GlobalValues;
  if (values.debug) values.logLevel = "debug";
  const progress = new Progress(stderrIsTTY);
  const log = new Logger({
    tool: spec.name,
    level: values.logLevel as LogLevel,
    format:
      values.logFormat === "auto"
        ? stderrIsTTY
          ? "text"
          : "json"
        : (values.logFormat as "text" | "json"),
    color: values.color && stderrIsTTY,
    // A log line would be glued to the progress line drawn on stderr: clear that first.
    write: (line) => {
      progress.clear();
      process.stderr.write(line);
    },
  });
  const abort = new AbortController();
  const out = new Output({
    json: values.json,
    color: values.color && stdoutIsTTY,
    isTTY: stdoutIsTTY,
    // Nobody reads the results any more (`ffind / | head -1`): stop the work, quietly.
    onClose: () => abort.abort(new Error("stdout closed")),
    // Results on the terminal that shows progress start on a clean line, not after it.
    ...(stdoutIsTTY && stderrIsTTY ? { beforeWrite: () => progress.clear() } : {}),
  });
  // Loaded here, not at the top: --version and --help never pay for prom-client.
  const { ToolMetrics } = await import("../metrics/tool-metrics.ts");
  const metrics = new ToolMetrics(spec.name);
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy) {
      // Second Ctrl-C: the user insists.
      process.stderr.write(`\n${commandName}: interrupted again, exiting now\n`);
      process.exit(exitCodeAfter(stoppedBy));
    }
    stoppedBy = signal;
    log.warn(`received ${signal}, stopping cleanly (press Ctrl-C again to exit now)`);
    abort.abort(new Error(signal));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const ctx: ToolContext = {
    tool: spec.name,
    options: values as ToolContext["options"],
    positionals,
    config: resolved.extra,
    configFile,
    settings: resolved,
    log,
    out,
    progress,
    metrics,
    signal: abort.signal,
    env,
  };

  const started = performance.now();
  let code: number;
  let failure: unknown;
  const telemetry = await safely(() => startTelemetry(ctx), log);
  // Bun busy-polls while a tool awaits only a promise (e.g. Ctrl-C) with no timer or socket
  // open; one idle timer during run() keeps such a wait at zero CPU.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    code = await spec.run(ctx);
  } catch (error) {
    failure = error;
    code = exitCodeOf(error);
    metrics.errors.inc();
    ctx.progress.clear();
    process.stderr.write(`${commandName}: error: ${errorLine(error)}\n`);
    if (values.debug && error instanceof Error && error.stack)
      process.stderr.write(`${error.stack}\n`);
  } finally {
    // A signal that came while run() never let the event loop turn (one long synchronous
    // stretch) is handled now, not dropped with its handler: the exit code still says 130/143.
    await nextTurn();
    clearInterval(keepAlive);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  ctx.progress.clear();
  try {
    out.flush();
  } catch (error) {
    // The last flush: stdout itself failed (a full disk behind `> file`), the output is cut.
    failure ??= error;
    code = ExitCode.failure;
    metrics.errors.inc();
    process.stderr.write(`${commandName}: error: ${errorLine(error)}\n`);
  }
  if (stoppedBy === "SIGINT" || (stoppedBy && !spec.runsUntilStopped?.(ctx.options)))
    code = exitCodeAfter(stoppedBy);
  metrics.finishRun((performance.now() - started) / 1000, code);
  code = await shipMetrics(ctx, code);
  if (telemetry) await safely(() => telemetry.end(code, failure), log);
  return code;
}

function errorLine(error: unknown): string {
  const text = describeError(error);
  return error instanceof StdoutWriteError ? `stdout: cannot write: ${text}` : text;
}

/** 128 + the signal's number, as a shell reports a process the signal killed. */
function exitCodeAfter(signal: NodeJS.Signals): number {
  return signal === "SIGTERM" ? ExitCode.terminated : ExitCode.interrupted;
}

/**
 * Push/textfile failures are reported and turn a clean run into exit 1: monitoring must not fail
 * silently. A failed run's exposition has no last success: the textfile and the Pushgateway
 * group keep the one they had.
 */
async function shipMetrics(ctx: ToolContext, code: number): Promise<number> {
  const { metricsPush, metricsTextfile } = ctx.options;
  if (!metricsPush && !metricsTextfile) return code;
  const { lastSuccessMetric } = await import("../metrics/tool-metrics.ts");
  const exposition = await ctx.metrics.exposition();
  let failed = false;
  if (metricsTextfile) {
    try {
      writeTextfile(metricsTextfile, exposition, [lastSuccessMetric]);
    } catch (error) {
      ctx.log.error(describeError(error));
      failed = true;
    }
  }
  if (metricsPush) {
    try {
      await pushMetrics(exposition, {
        url: metricsPush,
        job: ctx.tool,
        method: code === ExitCode.ok ? "PUT" : "POST",
      });
    } catch (error) {
      ctx.log.error(describeError(error));
      failed = true;
    }
  }
  return failed && code === ExitCode.ok ? ExitCode.failure : code;
}

async function safely<T>(
  fn: () => Promise<T> | T | undefined,
  log: Logger,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    log.warn(`telemetry: ${describeError(error)}`);
    return undefined;
  }
}
