import type { ConfigFile } from "./config-file.ts";
import { ConfigError, UsageError } from "./errors.ts";
import { isGlobalOption } from "./global-options.ts";
import { envNames, kebab } from "./names.ts";
import type { OptionSpec, OptionSpecs } from "./types.ts";
import { maxTimerSeconds, parseBoolean, parseDuration, parseNumber, parseSize } from "./values.ts";

export type SettingSource =
  | { kind: "flag"; name: string }
  | { kind: "env"; name: string }
  | { kind: "file"; name: string; key: string }
  | { kind: "default" };

export interface Setting {
  key: string;
  value: unknown;
  source: SettingSource;
}

export interface ResolvedSettings {
  values: Record<string, unknown>;
  settings: Setting[];
  /** The config section's non-flag keys (ToolSpec.configKeys). */
  extra: Record<string, unknown>;
}

export interface SettingsInput {
  tool: string;
  options: OptionSpecs;
  flags: Record<string, string | boolean | string[]>;
  env: Record<string, string | undefined>;
  file: ConfigFile | undefined;
  configKeys?: Record<string, string>;
}

/** Flags > environment > config file > defaults, remembering where each value came from. */
export function resolveSettings(input: SettingsInput): ResolvedSettings {
  const { tool, options, flags, env, file } = input;
  const toolSection = file?.sections[tool] ?? {};
  const globalSection = file?.sections.global ?? {};
  const extra = checkSectionKeys(input, toolSection, globalSection);
  const values: Record<string, unknown> = {};
  const settings: Setting[] = [];
  for (const [key, spec] of Object.entries(options)) {
    const setting = resolveOne(key, spec);
    checkBounds(key, spec, setting.value);
    values[key] = setting.value;
    if (spec.layered !== false) settings.push(setting);
  }
  return { values, settings, extra };

  function resolveOne(key: string, spec: OptionSpec): Setting {
    const flag = flags[key];
    if (flag !== undefined) {
      const name = `--${kebab(key)}`;
      return { key, value: fromText(spec, flag, `${name}`), source: { kind: "flag", name } };
    }
    if (spec.layered !== false) {
      for (const name of envNames(tool, key, isGlobalOption(key))) {
        const text = env[name];
        if (text !== undefined && text !== "") {
          return { key, value: fromEnv(spec, text, name), source: { kind: "env", name } };
        }
      }
      const fileKey = kebab(key);
      for (const [section, body] of [
        [tool, toolSection],
        ["global", globalSection],
      ] as const) {
        if (section === "global" && !isGlobalOption(key)) continue;
        if (file && Object.hasOwn(body, fileKey)) {
          const where = `${section}.${fileKey}`;
          return {
            key,
            value: fromFile(spec, body[fileKey], where, file.path),
            source: { kind: "file", name: file.path, key: where },
          };
        }
      }
    }
    // NO_COLOR (no-color.org) turns color off where no setting of opsctl's own says otherwise.
    if (key === "color" && isGlobalOption(key) && env.NO_COLOR) {
      return { key, value: false, source: { kind: "env", name: "NO_COLOR" } };
    }
    return { key, value: defaultOf(spec), source: { kind: "default" } };
  }
}

/** OptionSpec.min, .max and .timer, checked on the layered value: the error names the flag. */
function checkBounds(key: string, spec: OptionSpec, value: unknown): void {
  if (typeof value !== "number") return;
  const flag = `--${kebab(key)}`;
  const { min } = spec;
  if (min !== undefined && (spec.minExclusive ? !(value > min) : !(value >= min))) {
    const bound = spec.minExclusive
      ? min === 0
        ? "more than zero"
        : `more than ${min}`
      : min === 0
        ? "0 or more"
        : `at least ${min}`;
    // A size or duration is shown as the user wrote it elsewhere; here only plain numbers.
    const given = spec.type === "integer" || spec.type === "number" ? `, got ${value}` : "";
    throw new UsageError(`${flag} must be ${bound}${given}`);
  }
  if (spec.max !== undefined && value > spec.max) {
    const given = spec.type === "integer" || spec.type === "number" ? `, got ${value}` : "";
    throw new UsageError(`${flag} must be at most ${spec.max}${given}`);
  }
  if (spec.timer && value > maxTimerSeconds)
    throw new UsageError(`${flag} must be at most 24d (the longest a timer can wait)`);
}

/** Unknown keys are errors naming the key and the file; returns the allowed non-flag keys. */
function checkSectionKeys(
  input: SettingsInput,
  toolSection: Record<string, unknown>,
  globalSection: Record<string, unknown>,
): Record<string, unknown> {
  const flagKeys = new Set(
    Object.entries(input.options)
      .filter(([, spec]) => spec.layered !== false)
      .map(([key]) => kebab(key)),
  );
  const extraKeys = input.configKeys ?? {};
  const extra: Record<string, unknown> = {};
  const path = input.file?.path ?? "";
  for (const [key, value] of Object.entries(toolSection)) {
    if (Object.hasOwn(extraKeys, key)) extra[key] = value;
    else if (!flagKeys.has(key)) {
      const known = [...flagKeys, ...Object.keys(extraKeys)].sort().join(", ");
      throw new ConfigError(
        `config file ${path}: unknown key "${input.tool}.${key}" (known keys: ${known})`,
      );
    }
  }
  for (const key of Object.keys(globalSection)) {
    const camel = key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!isGlobalOption(camel) || !flagKeys.has(key)) {
      throw new ConfigError(
        `config file ${path}: unknown key "global.${key}" (global keys are the flags every tool has)`,
      );
    }
  }
  return extra;
}

function defaultOf(spec: OptionSpec): unknown {
  if (Array.isArray(spec.default)) return [...spec.default];
  // A size or duration default is written as text ("256K", "15s"): the tool gets the number.
  if (typeof spec.default === "string" && spec.type !== "string" && spec.type !== "enum")
    return scalar(spec, spec.default);
  if (spec.default !== undefined) return spec.default;
  if (spec.type === "boolean") return false;
  if (spec.type === "list") return [];
  return undefined;
}

function fromText(spec: OptionSpec, raw: string | boolean | string[], name: string): unknown {
  try {
    if (spec.type === "boolean") return typeof raw === "boolean" ? raw : parseBoolean(String(raw));
    if (spec.type === "list") return Array.isArray(raw) ? raw : [String(raw)];
    return scalar(spec, String(raw));
  } catch (error) {
    throw new UsageError(`${name}: ${(error as Error).message}`);
  }
}

function fromEnv(spec: OptionSpec, text: string, name: string): unknown {
  try {
    if (spec.type === "boolean") return parseBoolean(text);
    if (spec.type === "list")
      return text
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
    return scalar(spec, text);
  } catch (error) {
    throw new ConfigError(`environment variable ${name}: ${(error as Error).message}`);
  }
}

function fromFile(spec: OptionSpec, value: unknown, key: string, path: string): unknown {
  const wrong = (expected: string) =>
    new ConfigError(
      `config file ${path}: key "${key}" must be ${expected}, got ${describe(value)}`,
    );
  switch (spec.type) {
    case "boolean":
      if (typeof value !== "boolean") throw wrong("a boolean (true or false)");
      return value;
    case "list":
      if (typeof value === "string") return [value];
      if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
        throw wrong("a list of strings");
      }
      return value;
    case "number":
    case "integer":
      // YAML's .inf and .nan are numbers too.
      if (
        typeof value !== "number" ||
        !Number.isFinite(value) ||
        (spec.type === "integer" && !Number.isInteger(value))
      ) {
        throw wrong(spec.type === "integer" ? "a whole number" : "a finite number");
      }
      return value;
    case "size":
    case "duration":
      if (typeof value === "number") {
        if (Number.isFinite(value) && value >= 0) return value;
        throw wrong(spec.type === "size" ? "a size of 0 or more" : "a duration of 0 or more");
      }
      if (typeof value !== "string")
        throw wrong(spec.type === "size" ? "a size (e.g. 10M)" : "a duration (e.g. 15m)");
      try {
        return scalar(spec, value);
      } catch (error) {
        throw new ConfigError(`config file ${path}: key "${key}": ${(error as Error).message}`);
      }
    default:
      if (typeof value !== "string") throw wrong("a string");
      try {
        return scalar(spec, value);
      } catch (error) {
        throw new ConfigError(`config file ${path}: key "${key}": ${(error as Error).message}`);
      }
  }
}

function scalar(spec: OptionSpec, text: string): unknown {
  switch (spec.type) {
    case "number":
      return parseNumber(text);
    case "integer":
      return parseNumber(text, true);
    case "size":
      return parseSize(text);
    case "duration":
      return parseDuration(text);
    case "enum":
      if (!spec.choices?.includes(text)) {
        throw new Error(`"${text}" is not one of: ${spec.choices?.join(", ")}`);
      }
      return text;
    default:
      return text;
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}
