/**
 * command: runs a program with a timeout; exit 0 is success. With parse_metrics its stdout is
 * Prometheus text exposition (the script_exporter pattern), validated before it is exposed.
 * The command runs in its own process group, killed whole on timeout and after it exits, so
 * nothing it started outlives the check.
 */
import { spawn } from "node:child_process";
import { killProcessGroup } from "../../cli/process-group.ts";
import { parseExposition } from "../exposition/parse.ts";
import { bool, onlyKeys, optSize, optString, stringList, stringMap } from "../fields.ts";
import type { CheckKind } from "../types.ts";

export interface CommandSettings {
  argv: string[];
  env: Record<string, string>;
  cwd: string | undefined;
  parseMetrics: boolean;
  maxOutputBytes: number;
}

/** Labels the exporter adds to passed-through series in scheduled mode. */
export const reservedCommandLabels = ["check"] as const;

const shells = new Set(["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"]);

function quoteTargetInScript(script: string): string {
  return script.replaceAll("{{target}}", '"$OPSCTL_TARGET"');
}

/**
 * The argv form `[sh, -c, SCRIPT, ...]` gets the string form's treatment: in SCRIPT, shell code,
 * {{target}} becomes "$OPSCTL_TARGET". Arguments after SCRIPT are positional data, left as they are.
 */
function quoteTargetInShellScript(argv: string[]): string[] {
  const program = argv[0]?.slice(argv[0].lastIndexOf("/") + 1) ?? "";
  if (!shells.has(program)) return argv;
  let i = program === "busybox" && argv[1] !== undefined && shells.has(argv[1]) ? 2 : 1;
  let commandMode = false;
  // Options up to the script: -c may come alone or in a cluster (-ec, -lc); -o/+o, bash's -O/+O
  // and --rcfile/--init-file take an argument (missed, the script went unquoted).
  for (; i < argv.length && /^[-+]/.test(argv[i] as string); i++) {
    const option = argv[i] as string;
    if (option === "--") {
      i++;
      break;
    }
    if (/^-[A-Za-z]*c[A-Za-z]*$/.test(option)) commandMode = true;
    if (/^[-+][A-Za-z]*[oO]$/.test(option) || /^--(rcfile|init-file)$/.test(option)) i++;
  }
  if (!commandMode || i >= argv.length) return argv;
  return argv.map((arg, index) => (index === i ? quoteTargetInScript(arg) : arg));
}

export const commandCheck: CheckKind<CommandSettings> = {
  kind: "command",
  description: "Run a program: exit code, optional Prometheus metrics on stdout",
  parse(raw, where) {
    onlyKeys(raw, ["command", "env", "cwd", "parse_metrics", "max_output_bytes"], where);
    const command = raw.command;
    // In a shell script {{target}} becomes a quoted variable, never text the shell parses:
    // /probe's target comes from whoever can reach the port ("x; rm -rf /" must stay one word).
    const argv =
      typeof command === "string"
        ? ["/bin/sh", "-c", quoteTargetInScript(command)]
        : quoteTargetInShellScript(stringList(raw, "command", where));
    if (argv.length === 0 || argv[0] === "")
      throw new Error(`${where}.command: required (a string run by /bin/sh -c, or an argv list)`);
    return {
      argv,
      env: stringMap(raw, "env", where),
      cwd: optString(raw, "cwd", where),
      parseMetrics: bool(raw, "parse_metrics", where, false),
      maxOutputBytes: optSize(raw, "max_output_bytes", where) ?? 1024 * 1024,
    };
  },
  metrics: {
    command_exit_code: { help: "Exit code of the command (-1 if killed).", type: "gauge" },
    command_output_bytes: { help: "Bytes the command wrote to stdout.", type: "gauge" },
  },
  async run({ target, settings, result, signal, log }) {
    // {{target}} in an argv list is replaced by the probe target, one argument (script_exporter's params).
    const argv = settings.argv.map((arg) => arg.replaceAll("{{target}}", target));
    const child = spawn(argv[0] as string, argv.slice(1), {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      cwd: settings.cwd,
      env: { ...process.env, ...settings.env, OPSCTL_TARGET: target },
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = "";
    let overflow = false;
    child.stdout?.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > settings.maxOutputBytes) {
        overflow = true;
        killProcessGroup(child.pid);
      } else stdout.push(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString("utf8");
    });
    const onAbort = () => killProcessGroup(child.pid);
    signal.addEventListener("abort", onAbort, { once: true });
    let exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error };
    try {
      exit = await new Promise((resolve) => {
        child.once("error", (error) => resolve({ code: null, signal: null, error }));
        // exit, not close: a background grandchild may hold the pipes open forever.
        child.once("exit", (code, killedBy) => {
          killProcessGroup(child.pid);
          resolve({ code, signal: killedBy });
        });
      });
      // Pipes close once every holder in the group is dead; the abort handler covers the rest.
      await new Promise<void>((resolve) => {
        if (child.stdout?.closed !== false) return resolve();
        child.stdout.once("close", () => resolve());
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    } finally {
      signal.removeEventListener("abort", onAbort);
      // A child that left the group (setsid) may hold the other ends for ever: ours close now.
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
    if (signal.aborted) throw signal.reason;
    if (exit.error) return result.fail(`${argv[0]}: ${exit.error.message}`);
    result.set("command_exit_code", exit.code ?? -1);
    result.set("command_output_bytes", stdoutBytes);
    if (overflow)
      return result.fail(`stdout larger than max_output_bytes (${settings.maxOutputBytes})`);
    let ok = true;
    if (exit.code !== 0) {
      const why = exit.code === null ? `killed by ${exit.signal}` : `exited ${exit.code}`;
      const tail = stderr.trim().split("\n").slice(-1)[0];
      ok = result.fail(`${argv.join(" ")}: ${why}${tail ? `: ${tail}` : ""}`);
    }
    if (settings.parseMetrics) {
      try {
        const families = parseExposition(Buffer.concat(stdout).toString("utf8"), {
          reservedLabels: reservedCommandLabels,
          maxSamples: 10_000,
        });
        for (const family of families) result.expose(family);
      } catch (error) {
        log.debug("command output rejected", {
          command: argv[0],
          reason: (error as Error).message,
        });
        return result.fail(`metrics on stdout rejected: ${(error as Error).message}`);
      }
    }
    return ok;
  },
};
