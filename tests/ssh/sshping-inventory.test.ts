/** sshping with inventories that need more than parsing: dynamic ones, and their ssh arguments. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type SshdFleet, sharedSshdFleet, startSshdFleet } from "../env/sshd.ts";
import { compiledTool } from "../helpers/compiled.ts";
import { ended } from "../helpers/process-ended.ts";
import { parseJson, statusByHost, type Workspace, workspace } from "./sshping-helpers.ts";

let fleet: SshdFleet;
let bastion: SshdFleet;
let ws: Workspace;
let knownHosts: string;

beforeAll(async () => {
  [fleet, bastion] = await Promise.all([
    sharedSshdFleet("sshping", { count: 20 }),
    // DEBUG1 logs the forwarded connections: the proof that a target was reached through it.
    startSshdFleet({ count: 1, debug: true }),
    compiledTool("sshping"),
  ]);
  ws = workspace();
  knownHosts = ws.file(
    "known_hosts",
    `${[...fleet.knownHostsLines(), ...bastion.knownHostsLines()].join("\n")}\n`,
  );
}, 60_000);

afterAll(() => bastion?.stop());

describe("executable inventories", () => {
  test("the script's hosts are probed with its variables", async () => {
    const [a, b] = fleet.hosts;
    const listing = {
      web: { hosts: ["web1", "web2"] },
      all: {
        vars: { ansible_user: fleet.user, ansible_ssh_private_key_file: fleet.clientKey },
      },
      _meta: {
        hostvars: {
          web1: { ansible_host: a?.address, ansible_port: a?.port },
          web2: { ansible_host: b?.address, ansible_port: b?.port },
        },
      },
    };
    const inventory = ws.file(
      "dynamic.sh",
      `#!/bin/sh\n[ "$1" = --list ] || exit 2\ncat <<'EOF'\n${JSON.stringify(listing)}\nEOF\n`,
      0o755,
    );
    const result = await ws.sshping([
      "-i",
      inventory,
      "web",
      "-F",
      "none",
      "--known-hosts",
      knownHosts,
      "--json",
    ]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(statusByHost(parseJson(result.stdout).hosts)).toEqual({
      [a?.address ?? ""]: "ok",
      [b?.address ?? ""]: "ok",
    });
  }, 30_000);

  test("a failing script is a usage error (exit 2) naming it and its stderr", async () => {
    const inventory = ws.file("broken.sh", "#!/bin/sh\necho 'no credentials' >&2\nexit 1\n", 0o755);
    const result = await ws.sshping(["-i", inventory, "-F", "none"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `inventory script ${inventory} --list: exited with code 1; stderr: no credentials`,
    );
    expect(result.stdout).toBe("");
  }, 30_000);
});

describe("stopping sshping while an inventory script runs", () => {
  test.each([
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)(
    "%s: sshping exits %d at once, and the script and what it started end with it",
    async (signal, code) => {
      const pids = join(ws.dir, `stopped-${signal}.pids`);
      const inventory = ws.file(
        `stopped-${signal}.sh`,
        `#!/bin/sh\nsleep 300 &\necho $$ $! > ${pids}\nwait\n`,
        0o755,
      );
      const proc = await ws.spawn(["-i", inventory, "-F", "none"]);
      const written = () => (existsSync(pids) ? readFileSync(pids, "utf8").trim() : "");
      while (!/^\d+ \d+$/.test(written()) && proc.exitCode === null) await Bun.sleep(20);
      proc.kill(signal);
      // The script's own limit (60 s) is beyond the test's: only the signal can end it in time.
      const [exitCode, stdout, stderr] = await Promise.all([
        proc.exited,
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
      ]);
      expect(exitCode).toBe(code);
      expect(stdout).toBe("");
      expect(stderr).toContain(`received ${signal}`);
      expect(stderr).not.toContain("error:");
      const [scriptPid, childPid] = written().split(" ").map(Number);
      expect(await ended(scriptPid ?? 0)).toBe(true);
      expect(await ended(childPid ?? 0)).toBe(true);
    },
    30_000,
  );
});

describe("ssh arguments in the inventory (ansible_ssh_common_args / ansible_ssh_extra_args)", () => {
  test("a bastion given there is used; ProxyCommand fails its host naming host, variable and option", async () => {
    const [a, b, c] = fleet.hosts;
    const jump = bastion.hosts[0];
    const sshConfig = ws.file(
      "ssh_config-bastion",
      `Host bastion\n  HostName ${jump?.address}\n  Port ${jump?.port}\n  User ${bastion.user}\n  IdentityFile ${bastion.clientKey}\n`,
    );
    const inventory = ws.file(
      "behind-bastion.ini",
      [
        "[behind]",
        `web1 ansible_host=${a?.address} ansible_port=${a?.port}`,
        `web2 ansible_host=${b?.address} ansible_port=${b?.port} ansible_ssh_common_args="-J bastion -o ConnectTimeout=5"`,
        `web3 ansible_host=${c?.address} ansible_port=${c?.port} ansible_ssh_common_args='-o ProxyCommand="ssh -W %h:%p bastion"'`,
        "[behind:vars]",
        `ansible_user=${fleet.user}`,
        `ansible_ssh_private_key_file=${fleet.clientKey}`,
        `ansible_ssh_common_args="-o ProxyJump=bastion -o StrictHostKeyChecking=yes"`,
        "",
      ].join("\n"),
    );
    const before = bastion.logs().length;
    const result = await ws.sshping([
      "-i",
      inventory,
      "-F",
      sshConfig,
      "--known-hosts",
      knownHosts,
      "--retries",
      "0",
      "--json",
    ]);
    expect(result.exitCode).toBe(4);
    const { hosts } = parseJson(result.stdout);
    const byName = Object.fromEntries(hosts.map((host) => [String(host.host), host]));
    expect(byName.web1).toMatchObject({ status: "ok" });
    expect(byName.web2).toMatchObject({ status: "ok" });
    expect(byName.web3).toMatchObject({ status: "unreachable" });
    expect(String(byName.web3?.error)).toStartWith(
      "inventory host web3: ansible_ssh_common_args: -o ProxyCommand=ssh -W %h:%p bastion is not supported by sshping",
    );
    const logs = bastion.logs().slice(before);
    for (const host of [a, b])
      expect(logs).toMatch(
        new RegExp(
          `direct_tcpip: originator .* target ${host?.address.replaceAll(".", "\\.")} port ${host?.port}`,
        ),
      );
    // The host with ProxyCommand was not reached through the bastion either.
    expect(logs).not.toContain(`target ${c?.address} port ${c?.port}`);

    const listed = await ws.sshping(["-i", inventory, "web1", "-F", sshConfig, "--list-hosts"]);
    expect(listed.stdout).toContain(`via ${bastion.user}@${jump?.address}:${jump?.port}`);
  }, 60_000);

  test("keepalive and IdentitiesOnly options there are honoured, not failed as unsupported", async () => {
    const [a] = fleet.hosts;
    const inventory = ws.file(
      "keepalive.ini",
      `web1 ansible_host=${a?.address} ansible_port=${a?.port} ansible_user=${fleet.user} ansible_ssh_private_key_file=${fleet.clientKey} ansible_ssh_common_args="-o ServerAliveInterval=30 -o ServerAliveCountMax=5 -o IdentitiesOnly=yes"\n`,
    );
    const result = await ws.sshping([
      "-i",
      inventory,
      "-F",
      "none",
      "--known-hosts",
      knownHosts,
      "--json",
    ]);
    expect(parseJson(result.stdout).hosts).toMatchObject([{ host: "web1", status: "ok" }]);
    expect(result.exitCode).toBe(0);
  }, 30_000);
});
