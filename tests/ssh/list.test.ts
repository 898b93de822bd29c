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

  test("a host the run would fail without connecting (ProxyCommand) says so in both", () => {
    const why = "ProxyCommand is not supported (use ProxyJump): ssh -W %h:%p bastion";
    const refused: ConnectionPlan = { ...v4, name: "web2", spec: "web2", unsupported: why };
    expect(printed([refused], true)).toBe(`would fail web2 (deploy@10.0.0.1:22): ${why}\n`);
    expect(printed([refused], false)).toBe(`web2\tdeploy@10.0.0.1:22\tfails: ${why}\n`);
    let json = "";
    const out = new Output({ json: true, color: false, isTTY: false, write: (c) => (json += c) });
    printPlans([refused], { dryRun: true, run: "uptime" }, out);
    out.flush();
    expect(JSON.parse(json)).toMatchObject({ host: "web2", dry_run: true, fails: why });
  });

  test("--dry-run: the same address form", () => {
    expect(printed([v6], true)).toBe(
      'would run "uptime" on [::1]:2222 (deploy@[::1]:2222 via deploy@[fd00::1]:22)\n',
    );
  });
});
