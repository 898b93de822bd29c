import type { ArgsDef, CommandDef } from "citty";
import { renderUsage } from "citty";
import { ExitCode } from "./exit-codes.ts";
import { globalOptions } from "./global-options.ts";
import { envNames, kebab } from "./names.ts";
import type { OptionSpec, ToolSpec } from "./types.ts";

/** --help text: citty's usage block, then defaults, env vars, config keys and exit codes. */
export async function renderHelp(
  spec: ToolSpec,
  commandName = spec.name,
  color = false,
): Promise<string> {
  const rendered = await renderUsage(toCittyCommand(spec, commandName));
  // citty always colors and pads; keep plain text for pipes, files and NO_COLOR.
  const usage = (color ? rendered : Bun.stripANSI(rendered))
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
  const lines = [usage.trimEnd(), ""];
  lines.push(
    "CONFIGURATION",
    `  Every flag can also be set by environment (${envNames(spec.name, "exampleFlag", false)[0]?.replace("EXAMPLE_FLAG", "<FLAG>")})`,
    `  or in the "${spec.name}:" section of the config file (--config). Flags win over env, env over the file.`,
    "",
    "EXIT CODES",
  );
  // The tool's own meanings come last: a daemon's SIGTERM is its normal end (0), not 143.
  const codes: Record<number, string | null> = {
    [ExitCode.ok]: "all good",
    [ExitCode.failure]: "ran, but something failed",
    [ExitCode.usage]: "usage or configuration error",
    [ExitCode.interrupted]: "stopped by Ctrl-C after a clean stop",
    [ExitCode.terminated]: "stopped by SIGTERM after a clean stop",
    ...spec.exitCodes,
  };
  // Integer keys iterate in ascending order, whatever order they were set in.
  for (const [code, meaning] of Object.entries(codes))
    if (meaning !== null) lines.push(`  ${code.padStart(3)}  ${meaning}`);
  if (spec.examples?.length) {
    lines.push("", "EXAMPLES", ...spec.examples.map((example) => `  ${example}`));
  }
  return `${lines.join("\n")}\n`;
}

function toCittyCommand(spec: ToolSpec, commandName: string): CommandDef {
  const args: ArgsDef = {};
  if (spec.positionals) {
    args[spec.positionals.name] = {
      type: "positional",
      description:
        spec.positionals.description + (spec.positionals.variadic ? " (one or more)" : ""),
      required: spec.positionals.required ?? false,
    };
  }
  for (const [key, option] of [
    ...Object.entries(spec.options),
    ...Object.entries(globalOptions),
  ] as [string, OptionSpec][]) {
    args[kebab(key)] = {
      type: option.type === "boolean" ? "boolean" : "string",
      description: describeOption(option),
      ...(option.short ? { alias: option.short } : {}),
      ...(option.valueHint ? { valueHint: option.valueHint } : {}),
    };
  }
  return { meta: { name: commandName, description: spec.description }, args };
}

function describeOption(option: OptionSpec): string {
  let text = option.description;
  if (option.choices) text += ` (${option.choices.join("|")})`;
  // Many descriptions say "(repeatable, e.g. ...)" themselves: say it once.
  if (option.type === "list" && !/repeatable/i.test(option.description)) text += " (repeatable)";
  if (
    option.default !== undefined &&
    option.default !== false &&
    !(Array.isArray(option.default) && option.default.length === 0)
  ) {
    text += ` [default: ${Array.isArray(option.default) ? option.default.join(",") : option.default}]`;
  }
  return text;
}
