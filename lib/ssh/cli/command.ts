/**
 * The `sshping` tool's run (not to be confused with ../command.ts, which runs a command on one
 * remote host): flags checked, hosts planned, then listed (--list-hosts, --dry-run) or probed,
 * the summary printed and the exit code returned. The entry (scripts/sshping.ts) loads this only
 * when it runs, so --version and --help stay light.
 */
import { writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { ExitCode } from "../../cli/exit-codes.ts";
import type { ToolContext } from "../../cli/types.ts";
import { exitCodeFor } from "../report.ts";
import type { HostTarget } from "../target.ts";
import { planConnections, selectTargets } from "./hosts.ts";
import { printPlans } from "./list.ts";
import type { sshpingOptions } from "./options.ts";
import { probeHosts } from "./probe-hosts.ts";
import { printSummary } from "./summary.ts";

export async function runSshping(ctx: ToolContext<typeof sshpingOptions>): Promise<number> {
  const { options, out, log, env } = ctx;
  const home = env.HOME || homedir();
  let targets: HostTarget[];
  try {
    targets = await selectTargets(ctx.positionals, options, ctx.signal);
  } catch (error) {
    // Stopped while an inventory script ran (killed with what it started): nothing was probed.
    // runTool turns this into 143 after SIGTERM.
    if (ctx.signal.aborted) return ExitCode.interrupted;
    throw error;
  }
  const plans = planConnections(targets, options, env, home);

  if (options.listHosts || options.dryRun) {
    printPlans(plans, options, out);
    return ExitCode.ok;
  }

  const outcome = await probeHosts(plans, ctx);
  printSummary(outcome, plans.length, options.group, out);
  const code = exitCodeFor(outcome.counts);
  if (options.retryFile) {
    try {
      writeFileSync(options.retryFile, outcome.notOk.map((spec) => `${spec}\n`).join(""));
    } catch (error) {
      log.error(`--retry-file ${options.retryFile}: ${(error as Error).message}`);
      // A clean run becomes a failure; a run with unreachable hosts still says 4.
      return code === ExitCode.ok ? ExitCode.failure : code;
    }
  }
  return code;
}
