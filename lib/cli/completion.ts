import { globalOptions } from "./global-options.ts";
import { kebab } from "./names.ts";
import type { OptionSpec, OptionSpecs } from "./types.ts";

export type Shell = "bash" | "zsh" | "fish";

export interface CompletionTarget {
  /** Command name as typed: "ffind", or "opsctl". */
  command: string;
  options: OptionSpecs;
  /** For opsctl: its subcommands and each one's options. */
  subcommands?: Record<string, Subcommand>;
}

export interface Subcommand {
  description: string;
  options: OptionSpecs;
  /** The words it takes (config: show and the tool names), offered instead of file names. */
  words?: string[];
}

interface Flag {
  long: string;
  short?: string;
  description: string;
  takesValue: boolean;
  choices?: readonly string[];
}

function flagsOf(options: OptionSpecs): Flag[] {
  return Object.entries({ ...options, ...globalOptions } as Record<string, OptionSpec>).map(
    ([key, spec]) => ({
      long: `--${kebab(key)}`,
      ...(spec.short ? { short: `-${spec.short}` } : {}),
      description: spec.description,
      takesValue: spec.type !== "boolean",
      ...(spec.choices ? { choices: spec.choices } : {}),
    }),
  );
}

/** A completion script for bash, zsh or fish, generated from the tool specs. */
export function completionScript(shell: Shell, target: CompletionTarget): string {
  if (shell === "fish") return fishScript(target);
  const bash = bashScript(target);
  // zsh runs the bash function through bashcompinit.
  return shell === "zsh" ? `autoload -U +X bashcompinit && bashcompinit\n${bash}` : bash;
}

function bashWords(flags: Flag[]): string {
  return flags.flatMap((flag) => [flag.long, ...(flag.short ? [flag.short] : [])]).join(" ");
}

/** Flags whose next word is a free value (a file, a URL...), not one of a fixed list. */
function valueFlags(flags: Flag[]): string {
  return flags
    .filter((flag) => flag.takesValue && !flag.choices)
    .flatMap((flag) => [flag.long, ...(flag.short ? [flag.short] : [])])
    .join(" ");
}

function bashScript({ command, options, subcommands }: CompletionTarget): string {
  const fn = `_opsctl_${command.replace(/[^a-z0-9]/gi, "_")}`;
  const choiceCases = (flags: Flag[]) =>
    flags
      .filter((flag) => flag.choices)
      .map(
        (flag) =>
          `      ${flag.long}) COMPREPLY=($(compgen -W "${flag.choices?.join(" ")}" -- "$cur")); return;;`,
      )
      .join("\n");
  const top = flagsOf(options);
  const subs = Object.entries(subcommands ?? {});
  const subCase = subs
    .map(([name, sub]) => {
      const flags = flagsOf(sub.options);
      // After a flag that takes a value (--config FILE) the word is that value, not an operand.
      const operands = sub.words
        ? `{ [[ " ${valueFlags(flags)} " == *" $prev "* ]] && COMPREPLY=($(compgen -f -- "$cur")) || COMPREPLY+=($(compgen -W "${sub.words.join(" ")}" -- "$cur")); }`
        : `COMPREPLY+=($(compgen -f -- "$cur"))`;
      return `    ${name})\n      case "$prev" in\n${choiceCases(flags)}\n      esac\n      COMPREPLY=($(compgen -W "${bashWords(flags)}" -- "$cur"))\n      [[ "$cur" == -* ]] || ${operands}\n      return;;`;
    })
    .join("\n");
  return `# bash completion for ${command}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
${
  subs.length
    ? `  local sub="\${COMP_WORDS[1]}"
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${subs.map(([name]) => name).join(" ")} ${bashWords(top)}" -- "$cur")); return
  fi
  case "$sub" in
${subCase}
  esac
`
    : `  case "$prev" in
${choiceCases(top)}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${bashWords(top)}" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
`
}}
complete -o filenames -F ${fn} ${command}
`;
}

function fishEscape(text: string): string {
  return text.replace(/'/g, "\\'");
}

function fishScript({ command, options, subcommands }: CompletionTarget): string {
  const lines = [`# fish completion for ${command}`];
  const flagLine = (flag: Flag, condition?: string) => {
    const parts = [`complete -c ${command}`];
    if (condition) parts.push(`-n '${condition}'`);
    parts.push(`-l ${flag.long.slice(2)}`);
    if (flag.short) parts.push(`-s ${flag.short.slice(1)}`);
    if (flag.takesValue) parts.push("-r");
    if (flag.choices) parts.push(`-a '${flag.choices.join(" ")}'`);
    parts.push(`-d '${fishEscape(flag.description)}'`);
    return parts.join(" ");
  };
  const subs = Object.entries(subcommands ?? {});
  if (subs.length) {
    const names = subs.map(([name]) => name).join(" ");
    lines.push(
      `complete -c ${command} -f -n 'not __fish_seen_subcommand_from ${names}' -a '${names}'`,
    );
    for (const [name, sub] of subs) {
      lines.push(
        `complete -c ${command} -f -n 'not __fish_seen_subcommand_from ${names}' -a ${name} -d '${fishEscape(sub.description)}'`,
      );
      if (sub.words)
        lines.push(
          `complete -c ${command} -f -n '__fish_seen_subcommand_from ${name}' -a '${sub.words.join(" ")}'`,
        );
      for (const flag of flagsOf(sub.options))
        lines.push(flagLine(flag, `__fish_seen_subcommand_from ${name}`));
    }
  } else {
    for (const flag of flagsOf(options)) lines.push(flagLine(flag));
  }
  return `${lines.join("\n")}\n`;
}
