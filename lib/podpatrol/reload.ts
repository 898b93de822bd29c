// SIGHUP: re-read the config file and re-layer it under the command line's flags and the
// environment, exactly as at start; validate it whole and only then swap it in.
import { loadConfigFile } from "../cli/config-file.ts";
import { globalOptions } from "../cli/global-options.ts";
import { resolveSettings } from "../cli/settings.ts";
import { toolNames } from "../cli/tool-names.ts";
import type { OptionSpecs, ToolContext } from "../cli/types.ts";
import { buildConfig, configKeys, type PatrolConfig, type PatrolFlags } from "./config.ts";

/** The flag-level values buildConfig needs, from layered option values. */
export function patrolFlags(values: Record<string, unknown>): PatrolFlags {
  return {
    dryRun: values.dryRun as boolean,
    namespace: values.namespace as string[],
    excludeNamespace: values.excludeNamespace as string[],
    selector: values.selector as string | undefined,
    allowKubeSystem: values.allowKubeSystem as boolean,
    disableRule: values.disableRule as string[],
    enableRule: values.enableRule as string[],
    cooldown: values.cooldown as number,
    forceDeleteOnLostNode: values.forceDeleteOnLostNode as boolean,
    nodeLostUnhealthyThreshold: values.nodeLostUnhealthyThreshold as number | undefined,
  };
}

/** Rebuilds the configuration from the (changed) config file; throws if it is invalid. */
export function reloadConfig(ctx: ToolContext, options: OptionSpecs): PatrolConfig {
  if (!ctx.configFile) throw new Error("no config file to reload (start with --config FILE)");
  const file = loadConfigFile(ctx.configFile, ["global", ...toolNames]);
  // Values given on the command line keep winning, as they did at start.
  const flags: Record<string, string | boolean | string[]> = {};
  for (const setting of ctx.settings.settings) {
    if (setting.source.kind !== "flag") continue;
    const v = setting.value;
    flags[setting.key] = typeof v === "number" ? String(v) : (v as string | boolean | string[]);
  }
  const resolved = resolveSettings({
    tool: ctx.tool,
    options: { ...options, ...globalOptions } as OptionSpecs,
    flags,
    env: ctx.env,
    file,
    configKeys,
  });
  return buildConfig(patrolFlags(resolved.values), resolved.extra);
}
