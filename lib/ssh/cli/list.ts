/** --list-hosts and --dry-run: each host and how it would be reached, with no connection. */
import type { Output } from "../../cli/output.ts";
import { hostPort } from "../address.ts";
import type { ConnectionPlan } from "../plan.ts";
import type { SshpingValues } from "./options.ts";

export function printPlans(
  plans: readonly ConnectionPlan[],
  options: Pick<SshpingValues, "dryRun" | "run">,
  out: Output,
): void {
  const action = options.dryRun
    ? options.run === undefined
      ? "would ping"
      : `would run ${JSON.stringify(options.run)} on`
    : "";
  for (const plan of plans) {
    const login = `${plan.user}@${hostPort(plan.host, plan.port)}`;
    const via = plan.jumps.length
      ? ` via ${plan.jumps.map((j) => `${j.user}@${hostPort(j.host, j.port)}`).join(",")}`
      : "";
    if (out.json)
      out.record({
        type: "host",
        host: plan.name,
        address: plan.host,
        port: plan.port,
        user: plan.user,
        jumps: plan.jumps.map((j) => j.label),
        host_key_checking: plan.hostKeyChecking,
        ...(options.dryRun ? { dry_run: true, command: options.run ?? null } : {}),
        // The run fails such a host without connecting (ProxyCommand...): a dry run says so.
        ...(plan.unsupported ? { fails: plan.unsupported } : {}),
      });
    else if (plan.unsupported)
      out.line(
        options.dryRun
          ? `would fail ${plan.name} (${login}${via}): ${plan.unsupported}`
          : `${plan.name}\t${login}${via}\tfails: ${plan.unsupported}`,
      );
    else if (options.dryRun) out.line(`${action} ${plan.name} (${login}${via})`);
    else out.line(`${plan.name}\t${login}${via}`);
  }
}
