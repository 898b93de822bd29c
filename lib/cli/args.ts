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
      args: withNegativeValues(argv, options),
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

const numericTypes = new Set(["integer", "number", "size", "duration"]);

/**
 * node:util takes the "-1" of "--max-depth -1" for a flag and calls the value missing ("argument
 * is ambiguous"). After a numeric flag, a negative number is its value (--max-depth=-1), so the
 * tool's own check can say what the minimum is. A token that is a flag of the tool (-0) is not.
 */
function withNegativeValues(argv: string[], options: OptionSpecs): string[] {
  const numericFlags = new Map<string, string>(); // "--max-depth" or "-d" -> "--max-depth"
  const flags = new Set<string>();
  for (const [key, spec] of Object.entries(options)) {
    const long = `--${kebab(key)}`;
    flags.add(long);
    if (spec.short) flags.add(`-${spec.short}`);
    if (!numericTypes.has(spec.type)) continue;
    numericFlags.set(long, long);
    if (spec.short) numericFlags.set(`-${spec.short}`, long);
  }
  const result: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? "";
    if (token === "--") return result.concat(argv.slice(i));
    const long = numericFlags.get(token);
    const next = argv[i + 1];
    if (long && next !== undefined && /^-\.?\d/.test(next) && !flags.has(next)) {
      result.push(`${long}=${next}`);
      i++;
    } else result.push(token);
  }
  return result;
}

/**
 * node:util's messages mention internals ("To specify a positional argument..."); keep the first
 * sentence, and for a value that starts with a dash (--regex -x) how to write it, or nothing says.
 */
function cleanParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split(/\.\s|\n/)[0]?.replace(/\.$/, "") ?? message;
  const dashed = /use '(-[^=']+)=-XYZ'/.exec(message)?.[1];
  return dashed ? `${first} (a value that starts with a dash is written ${dashed}=-VALUE)` : first;
}
