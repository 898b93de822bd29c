import { loadConfigFile, locateConfigFile } from "./config-file.ts";
import { globalOptions } from "./global-options.ts";
import { kebab } from "./names.ts";
import type { Output } from "./output.ts";
import { hidePassword } from "./redact.ts";
import { resolveSettings, type Setting, type SettingSource } from "./settings.ts";
import { toolNames } from "./tool-names.ts";
import type { OptionSpecs, ToolSpec } from "./types.ts";

export interface EffectiveSettings {
  tool: string;
  configFile: string | null;
  settings: { key: string; value: unknown; source: SettingSource }[];
}

/** Every setting of each tool, its effective value, and where it came from (env, file, default). */
export function effectiveSettings(
  specs: ToolSpec[],
  env: Record<string, string | undefined>,
  cwd: string,
  explicitConfig: string | undefined,
): EffectiveSettings[] {
  const path = locateConfigFile(explicitConfig ?? (env.OPSCTL_CONFIG || undefined), env, cwd);
  const file = path ? loadConfigFile(path, ["global", ...toolNames]) : undefined;
  return specs.map((spec) => {
    const resolved = resolveSettings({
      tool: spec.name,
      options: { ...spec.options, ...globalOptions } as OptionSpecs,
      flags: {},
      env,
      file,
      ...(spec.configKeys ? { configKeys: spec.configKeys } : {}),
    });
    const extras = Object.entries(resolved.extra).map(([key, value]) => ({
      key,
      value,
      source: { kind: "file", name: path ?? "", key: `${spec.name}.${key}` } as SettingSource,
    }));
    return {
      tool: spec.name,
      configFile: path ?? null,
      // A URL's password (--metrics-push http://user:pw@...) is not shown: this output gets pasted.
      settings: [...resolved.settings, ...extras].map((setting) =>
        typeof setting.value === "string"
          ? { ...setting, value: hidePassword(setting.value) }
          : setting,
      ),
    };
  });
}

export function printEffectiveSettings(all: EffectiveSettings[], out: Output): void {
  if (out.json) {
    out.document(all);
    return;
  }
  for (const entry of all) {
    out.line(
      out.style(`[${entry.tool}]`, "bold") +
        (entry.configFile ? `  (config file ${entry.configFile})` : "  (no config file)"),
    );
    out.table(entry.settings, [
      { header: "SETTING", value: (setting: Setting) => kebab(setting.key) },
      { header: "VALUE", value: (setting: Setting) => formatValue(setting.value) },
      { header: "SOURCE", value: (setting: Setting) => formatSource(setting.source) },
    ]);
    out.line("");
  }
}

function formatValue(value: unknown): string {
  if (value === undefined) return "-";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function formatSource(source: SettingSource): string {
  switch (source.kind) {
    case "flag":
      return `flag ${source.name}`;
    case "env":
      return `env ${source.name}`;
    case "file":
      return `file ${source.name} (${source.key})`;
    default:
      return "default";
  }
}
