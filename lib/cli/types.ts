import type { ToolMetrics } from "../metrics/tool-metrics.ts";
import type { Logger } from "./log.ts";
import type { Output } from "./output.ts";
import type { Progress } from "./progress.ts";
import type { ResolvedSettings } from "./settings.ts";

/** How a flag's text (or an env var's, or a config value) becomes a value. */
export type OptionType =
  | "string"
  | "boolean"
  | "number"
  | "integer"
  | "size"
  | "duration"
  | "list"
  | "enum";

export interface OptionSpec {
  type: OptionType;
  description: string;
  /** One-character alias, e.g. "f" for -f. */
  short?: string;
  default?: string | number | boolean | readonly string[];
  /** Allowed values of an enum option. */
  choices?: readonly string[];
  /** Shown in --help after the flag: --days N. */
  valueHint?: string;
  /** False for flags that only make sense on the command line (--help, --config). */
  layered?: boolean;
  /** The least value of a number, integer, size or duration, wherever the value comes from. */
  min?: number;
  /** The greatest value (threads: a typo of a few zeros must not start a million Workers). */
  max?: number;
  /** With min: the value must be more than min (a deadline or interval of 0 fires at once). */
  minExclusive?: boolean;
  /** A duration a timer waits: at most maxTimerSeconds (24.8 days), a longer one fires at once. */
  timer?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean"
  ? boolean
  : S["type"] extends "list"
    ? string[]
    : S["type"] extends "number" | "integer" | "size" | "duration"
      ? number
      : string;

/** Typed, layered values: options with a default (and booleans, lists) are never undefined. */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]: O[K] extends { default: unknown }
    ? ValueOf<O[K]>
    : O[K]["type"] extends "boolean" | "list"
      ? ValueOf<O[K]>
      : ValueOf<O[K]> | undefined;
};

export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
  variadic?: boolean;
}

export interface ToolContext<O extends OptionSpecs = OptionSpecs> {
  tool: string;
  options: OptionValues<O> & GlobalValues;
  positionals: string[];
  /** Structured keys of this tool's config-file section that are not flags (see configKeys). */
  config: Record<string, unknown>;
  /** The config file in effect, if any. */
  configFile: string | undefined;
  settings: ResolvedSettings;
  log: Logger;
  out: Output;
  progress: Progress;
  metrics: ToolMetrics;
  /**
   * Aborted on SIGINT/SIGTERM (or when stdout's reader went away): stop taking new work, finish
   * cleanly, return. The runner exits 130 after SIGINT, 143 after SIGTERM (see runsUntilStopped).
   */
  signal: AbortSignal;
  /** The environment the tool was started with (tests pass their own). */
  env: Record<string, string | undefined>;
}

/** Values of the flags every tool has (lib/cli/global-options.ts). */
export interface GlobalValues {
  json: boolean;
  logLevel: string;
  logFormat: string;
  debug: boolean;
  color: boolean;
  metricsPush: string | undefined;
  metricsTextfile: string | undefined;
  otlpEndpoint: string | undefined;
  otlpProtocol: string | undefined;
}

export interface ToolSpec<O extends OptionSpecs = OptionSpecs> {
  name: string;
  /** One line for --help and the opsctl command list. */
  description: string;
  positionals?: PositionalSpec;
  options: O;
  /** Non-flag keys allowed in this tool's config section, key -> expected type in words. */
  configKeys?: Record<string, string>;
  /**
   * Exit codes for --help, beyond or instead of the shared 0/1/2/130/143 meanings; null: the tool
   * never exits with that code.
   */
  exitCodes?: Record<number, string | null>;
  examples?: string[];
  /**
   * True for a run whose normal end is SIGTERM (a daemon, --follow): it then exits with its own
   * code. Any other run stopped by SIGTERM (cron, systemd, Kubernetes) did not finish its work:
   * exit 143, not recorded as a success.
   */
  runsUntilStopped?(options: OptionValues<O> & GlobalValues): boolean;
  run(ctx: ToolContext<O>): Promise<number>;
}

/** Types the spec so ctx.options is typed in run(). */
export function defineTool<const O extends OptionSpecs>(spec: ToolSpec<O>): ToolSpec<O> {
  return spec;
}
