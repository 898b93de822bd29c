/** --list-hosts and --dry-run lines (lib/ssh/cli/list.ts): IPv6 addresses keep their brackets. */
import { describe, expect, test } from "bun:test";
import { Output } from "../../lib/cli/output.ts";
import { printPlans } from "../../lib/ssh/cli/list.ts";
import type { ConnectionPlan, HopPlan } from "../../lib/ssh/plan.ts";

function hop(label: string, host: string, port: number): HopPlan {
  return {
    label,
    host,
    port,
    user: "deploy",
    identityFiles: [],
    identitiesOnly: false,
    hostKeyName: host,
    hostKeyChecking: "strict",
    knownHostsFiles: [],
    globalKnownHostsFiles: [],
    hashKnownHosts: false,
    connectTimeoutMs: 5000,
    keepaliveIntervalMs: 15000,
    keepaliveCountMax: 3,
  };
}

function printed(plans: ConnectionPlan[], dryRun: boolean): string {
  let text = "";
  const out = new Output({ json: false, color: false, isTTY: false, write: (c) => (text += c) });
  printPlans(plans, { dryRun, run: dryRun ? "uptime" : undefined }, out);
  out.flush();
  return text;
}

describe("printPlans", () => {
  const v6: ConnectionPlan = {
    ...hop("[::1]:2222", "::1", 2222),
    name: "[::1]:2222",
    spec: "[::1]:2222",
    jumps: [hop("[fd00::1]", "fd00::1", 22)],
  };
  const v4: ConnectionPlan = {
    ...hop("web1", "10.0.0.1", 22),
    name: "web1",
    spec: "web1",
    jumps: [],
  };

  test("--list-hosts: user@[v6]:port, as the targets are written", () => {
    expect(printed([v6, v4], false)).toBe(
      "[::1]:2222\tdeploy@[::1]:2222 via deploy@[fd00::1]:22\nweb1\tdeploy@10.0.0.1:22\n",
    );
  });

  test("--dry-run: the same address form", () => {
    expect(printed([v6], true)).toBe(
      'would run "uptime" on [::1]:2222 (deploy@[::1]:2222 via deploy@[fd00::1]:22)\n',
    );
  });
});
