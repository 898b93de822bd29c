import { parseArgs } from "node:util";
import { UsageError } from "./errors.ts";
import { kebab } from "./names.ts";
import type { OptionSpecs } from "./types.ts";

export interface ParsedCommandLine {
  /** Raw flag values by option key, only for flags given on the command line. */
  flags: Record<string, string | boolean | string[]>;
  positionals: string[];
}

/** Splits argv by the tool's options; unknown flags and missing values are usage errors. */
export function parseCommandLine(argv: string[], options: OptionSpecs): ParsedCommandLine {
  const config: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> =
    {};
  const keyOfFlag = new Map<string, string>();
  for (const [key, spec] of Object.entries(options)) {
    const flag = kebab(key);
    keyOfFlag.set(flag, key);
    config[flag] = {
      type: spec.type === "boolean" ? "boolean" : "string",
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.type === "list" ? { multiple: true } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: config,
      strict: true,
      allowPositionals: true,
      allowNegative: true,
    });
  } catch (error) {
    throw new UsageError(cleanParseError(error));
  }
  const flags: ParsedCommandLine["flags"] = {};
  for (const [flag, value] of Object.entries(parsed.values)) {
    const key = keyOfFlag.get(flag);
    if (key !== undefined && value !== undefined) flags[key] = value as string | boolean | string[];
  }
  return { flags, positionals: parsed.positionals };
}

/** node:util's messages mention internals ("To specify a positional argument..."); keep the first sentence. */
function cleanParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split(/\.\s|\n/)[0]?.replace(/\.$/, "") ?? message;
}
