import { parseCommandLine } from "./args.ts";
import { completionScript, type Shell, type Subcommand } from "./completion.ts";
import { effectiveSettings, printEffectiveSettings } from "./config-show.ts";
import { invokedName } from "./entry.ts";
import { describeError, exitCodeOf, UsageError } from "./errors.ts";
import { ExitCode } from "./exit-codes.ts";
import { Output, StdoutWriteError } from "./output.ts";
import { printText } from "./print.ts";
import { runTool } from "./run-tool.ts";
import type { OptionSpecs, ToolSpec } from "./types.ts";
import { formatVersion } from "./version.ts";

export type ToolLoader = () => Promise<{ default: ToolSpec<OptionSpecs> }>;
export type ToolTable = Record<string, ToolLoader>;

export interface MulticallInput {
  tools: ToolTable;
  argv0: string;
  argv: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** `opsctl TOOL ...`, or a link named TOOL: the tool runs exactly as its own binary would. */
export async function runMulticall(input: MulticallInput): Promise<number> {
  const { tools, argv } = input;
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const calledAs = invokedName(input.argv0);
  const byName = tools[calledAs];
  if (byName && calledAs !== "opsctl") {
    return runTool((await byName()).default, { argv, env, cwd, commandName: calledAs });
  }
  const [first, ...rest] = argv;
  const loader = first === undefined ? undefined : tools[first];
  if (first !== undefined && loader) {
    return runTool((await loader()).default, {
      argv: rest,
      env,
      cwd,
      commandName: `opsctl ${first}`,
    });
  }
  switch (first) {
    case "config":
      return configCommand(tools, rest, env, cwd);
    case "--version":
    case "-V":
      return printText("opsctl", `${formatVersion("opsctl")}\n`);
    case "--completion":
      return completion(tools, rest[0]);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      return printText("opsctl", await overview(tools));
    default:
      process.stderr.write(
        `opsctl: error: unknown command "${first}" (commands: ${[...Object.keys(tools), "config"].join(", ")})\nTry 'opsctl --help'.\n`,
      );
      return ExitCode.usage;
  }
}

async function loadAll(tools: ToolTable): Promise<ToolSpec<OptionSpecs>[]> {
  return Promise.all(Object.values(tools).map(async (load) => (await load()).default));
}

async function overview(tools: ToolTable): Promise<string> {
  const specs = await loadAll(tools);
  const width = Math.max(...specs.map((spec) => spec.name.length), 6);
  return [
    "opsctl: SRE tools in one binary. Run a tool as `opsctl TOOL ...`, or through a link named TOOL.",
    "",
    "USAGE",
    "  opsctl TOOL [ARGS...]       run a tool (opsctl TOOL --help for its flags)",
    "  opsctl config show [TOOL...] [--json] [--config FILE]",
    "                              every effective setting and where it came from",
    "  opsctl --version | --completion bash|zsh|fish",
    "",
    "TOOLS",
    ...specs.map((spec) => `  ${spec.name.padEnd(width)}  ${spec.description}`),
    "",
  ].join("\n");
}

async function configCommand(
  tools: ToolTable,
  argv: string[],
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<number> {
  try {
    const { flags, positionals } = parseCommandLine(argv, {
      json: { type: "boolean", description: "" },
      config: { type: "string", description: "" },
      help: { type: "boolean", short: "h", description: "" },
    } satisfies OptionSpecs);
    if (flags.help) return printText("opsctl config", configHelp);
    const [verb, ...names] = positionals;
    if (verb !== "show") throw new UsageError(`config: expected "show", got "${verb ?? ""}"`);
    for (const name of names) {
      if (!tools[name]) throw new UsageError(`config show: unknown tool "${name}"`);
    }
    const wanted = names.length
      ? Object.fromEntries(names.map((name) => [name, tools[name] as ToolLoader]))
      : tools;
    const specs = await loadAll(wanted);
    const out = new Output({
      json: flags.json === true,
      color: false,
      isTTY: Boolean(process.stdout.isTTY),
    });
    printEffectiveSettings(
      effectiveSettings(
        specs,
        env,
        cwd,
        typeof flags.config === "string" ? flags.config : undefined,
      ),
      out,
    );
    out.flush();
    return ExitCode.ok;
  } catch (error) {
    // stdout failing is not a usage error: exit 1, naming stdout (ENOSPC alone names nothing).
    if (error instanceof StdoutWriteError) {
      process.stderr.write(`opsctl config: error: stdout: cannot write: ${describeError(error)}\n`);
      return ExitCode.failure;
    }
    process.stderr.write(`opsctl config: error: ${describeError(error)}\n`);
    const code = exitCodeOf(error);
    return code === ExitCode.failure ? ExitCode.usage : code;
  }
}

const configHelp = `Show every effective setting of each tool and where it came from.

USAGE opsctl config show [TOOL...] [--json] [--config FILE]

  TOOL             Only these tools (default: every tool)
  --json           A JSON document instead of tables
  --config FILE    Config file (default: ./opsctl.yaml, $XDG_CONFIG_HOME/opsctl/config.yaml,
                   /etc/opsctl/config.yaml)
  -h, --help       Show this help

A setting's source is its environment variable, the config file and key, or the default.
`;

async function completion(tools: ToolTable, shell: string | undefined): Promise<number> {
  if (shell !== "bash" && shell !== "zsh" && shell !== "fish") {
    process.stderr.write(`opsctl: error: --completion needs a shell: bash, zsh or fish\n`);
    return ExitCode.usage;
  }
  const specs = await loadAll(tools);
  const subcommands: Record<string, Subcommand> = Object.fromEntries(
    specs.map((spec) => [spec.name, { description: spec.description, options: spec.options }]),
  );
  subcommands.config = {
    description: "Show effective settings",
    options: {},
    words: ["show", ...specs.map((spec) => spec.name)],
  };
  return printText(
    "opsctl",
    completionScript(shell as Shell, { command: "opsctl", options: {}, subcommands }),
  );
}
