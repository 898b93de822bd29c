import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { freePort } from "../env/service.ts";
import { type SshdFleet, sharedSshdFleet, startSshdFleet, startTarpit } from "../env/sshd.ts";
import { compiledTool } from "../helpers/compiled.ts";
import {
  hostSpecs,
  parseJson,
  statusByHost,
  type Workspace,
  workspace,
} from "./sshping-helpers.ts";

let fleet: SshdFleet;
let bastion1: SshdFleet;
let bastion2: SshdFleet;
let ws: Workspace;
let knownHosts: string;

beforeAll(async () => {
  [fleet, bastion1, bastion2] = await Promise.all([
    sharedSshdFleet("sshping", { count: 20 }),
    startSshdFleet({ count: 1, debug: true }),
    startSshdFleet({ count: 1, debug: true }),
    compiledTool("sshping"),
  ]);
  ws = workspace();
  knownHosts = ws.file(
    "known_hosts",
    `${[...fleet.knownHostsLines(), ...bastion1.knownHostsLines(), ...bastion2.knownHostsLines()].join("\n")}\n`,
  );
}, 60_000);

describe("ProxyJump from ~/.ssh/config", () => {
  test("targets behind one bastion share its connection; two hops work", async () => {
    const b1 = bastion1.hosts[0];
    const b2 = bastion2.hosts[0];
    const targets = fleet.hosts.slice(0, 3);
    const config = [
      ...targets.map(
        (host, i) =>
          `Host target${i + 1}\n  HostName ${host.address}\n  Port ${host.port}\n  ProxyJump bastion1\n`,
      ),
      `Host deep\n  HostName ${fleet.hosts[3]?.address}\n  Port ${fleet.hosts[3]?.port}\n  ProxyJump bastion1,bastion2\n`,
      `Host bastion1\n  HostName ${b1?.address}\n  Port ${b1?.port}\n  IdentityFile ${bastion1.clientKey}\n`,
      `Host bastion2\n  HostName ${b2?.address}\n  Port ${b2?.port}\n  IdentityFile ${bastion2.clientKey}\n`,
      `Host *\n  User ${fleet.user}\n  IdentityFile ${fleet.clientKey}\n  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking yes\n`,
    ].join("");
    // ~/.ssh/config of the (test) HOME, as a user would have it.
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(`${ws.home}/.ssh`, { recursive: true, mode: 0o700 });
    writeFileSync(`${ws.home}/.ssh/config`, config);
    const before1 = bastion1.logs().length;
    const before2 = bastion2.logs().length;
    const result = await ws.sshping([
      "target1",
      "target2",
      "target3",
      "deep",
      "--json",
      "--run",
      "echo $SSH_CONNECTION",
    ]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const { hosts } = parseJson(result.stdout);
    expect(hosts.map((h) => h.status)).toEqual(["ok", "ok", "ok", "ok"]);
    expect(hosts.map((h) => String(h.host)).sort()).toEqual([
      "deep",
      "target1",
      "target2",
      "target3",
    ]);
    const logs1 = bastion1.logs().slice(before1);
    const logs2 = bastion2.logs().slice(before2);
    for (const host of targets)
      expect(logs1).toMatch(
        new RegExp(
          `direct_tcpip: originator .* target ${host.address.replaceAll(".", "\\.")} port ${host.port}`,
        ),
      );
    // One bastion login for the three targets (and one more for the two-hop chain).
    expect(logs1.match(/Accepted publickey/g)).toHaveLength(2);
    expect(logs1).toMatch(
      new RegExp(
        `direct_tcpip: originator .* target ${b2?.address.replaceAll(".", "\\.")} port ${b2?.port}`,
      ),
    );
    expect(logs2).toMatch(
      new RegExp(
        `direct_tcpip: originator .* target ${fleet.hosts[3]?.address.replaceAll(".", "\\.")} port ${fleet.hosts[3]?.port}`,
      ),
    );
    // --list-hosts shows the route without connecting.
    const listed = await ws.sshping(["deep", "--list-hosts"]);
    expect(listed.stdout).toContain(
      `via ${fleet.user}@${b1?.address}:${b1?.port},${fleet.user}@${b2?.address}:${b2?.port}`,
    );
  }, 60_000);

  test("an unreachable bastion makes its targets unreachable, naming the jump host", async () => {
    const closed = await freePort();
    const config = ws.file(
      "config-deadjump",
      `Host behind\n  HostName ${fleet.hosts[0]?.address}\n  Port ${fleet.hosts[0]?.port}\n  ProxyJump 127.0.0.1:${closed}\nHost *\n  IdentityFile ${fleet.clientKey}\n  UserKnownHostsFile ${knownHosts}\n`,
    );
    const result = await ws.sshping(["behind", "-F", config, "--retries", "0", "--json"]);
    expect(result.exitCode).toBe(4);
    const [record] = parseJson(result.stdout).hosts;
    expect(record).toMatchObject({ status: "unreachable" });
    expect(String(record?.error)).toContain(`jump host 127.0.0.1:${closed}`);
  }, 30_000);
});

describe("never hangs", () => {
  test("a tarpit (no banner) and a closed port fail within their timeouts; only connection errors retry", async () => {
    const tarpit = await startTarpit("127.0.0.1");
    const closed = await freePort();
    const result = await ws.sshping([
      `127.0.0.1:${tarpit.port}`,
      `127.0.0.1:${closed}`,
      "-F",
      "none",
      "--connect-timeout",
      "1s",
      "--handshake-timeout",
      "1s",
      "--retries",
      "2",
      "--retry-backoff",
      "100ms",
      "--json",
    ]);
    tarpit.close();
    expect(result.exitCode).toBe(4);
    const { hosts } = parseJson(result.stdout);
    const byPort = Object.fromEntries(hosts.map((h) => [Number(h.port), h]));
    expect(byPort[tarpit.port]).toMatchObject({
      status: "unreachable",
      phase: "banner",
      attempts: 3,
    });
    expect(String(byPort[tarpit.port]?.error)).toContain("no SSH banner within 1s");
    expect(byPort[closed]).toMatchObject({ status: "unreachable", phase: "connect", attempts: 3 });
  }, 30_000);

  test("a command that outlives --timeout fails the host, not the run", async () => {
    const result = await ws.sshping([
      ...hostSpecs(fleet).slice(0, 2),
      "-F",
      "none",
      "-k",
      fleet.clientKey,
      "--known-hosts",
      knownHosts,
      "--run",
      "sleep 30",
      "--timeout",
      "1s",
      "--json",
    ]);
    expect(result.exitCode).toBe(1);
    const { hosts } = parseJson(result.stdout);
    expect(hosts.map((h) => [h.status, h.error])).toEqual([
      ["failed", "command timed out after 1s"],
      ["failed", "command timed out after 1s"],
    ]);
  }, 30_000);

  test("Ctrl-C stops cleanly, prints the summary and exits 130", async () => {
    const tarpit = await startTarpit("127.0.0.1");
    const proc = await ws.spawn([
      hostSpecs(fleet)[0] ?? "",
      `127.0.0.1:${tarpit.port}`,
      "-F",
      "none",
      "-k",
      fleet.clientKey,
      "--known-hosts",
      knownHosts,
      "--handshake-timeout",
      "60s",
    ]);
    // Wait until the healthy host has been reported, then interrupt while the tarpit hangs.
    const reader = proc.stdout.getReader();
    let stdout = "";
    while (!stdout.includes("| OK |")) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += new TextDecoder().decode(value);
    }
    proc.kill("SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += new TextDecoder().decode(value);
    }
    const code = await proc.exited;
    tarpit.close();
    expect(code).toBe(130);
    expect(stdout).toContain(`127.0.0.1:${tarpit.port} | CANCELLED | cancelled`);
    expect(stdout).toMatch(/2 hosts: 1 ok, .* 1 cancelled in /);
  }, 30_000);
});

describe("stopped while a command runs", () => {
  test("SIGTERM: the host is cancelled in the command phase, exit 143, retry file written", async () => {
    // The remote command says it started through a file, then waits on its stdin: it ends by
    // itself when the connection closes, so nothing is left running on the test machine.
    const marker = `/tmp/sshping-started-${process.pid}-${Date.now()}`;
    const retryFile = `${ws.dir}/stopped.retry`;
    const proc = await ws.spawn([
      hostSpecs(fleet)[0] ?? "",
      "-F",
      "none",
      "-k",
      fleet.clientKey,
      "--known-hosts",
      knownHosts,
      "--run",
      `touch ${marker}; read line`,
      "--retry-file",
      retryFile,
      "--json",
    ]);
    while (!(await Bun.file(marker).exists()) && proc.exitCode === null) await Bun.sleep(20);
    proc.kill("SIGTERM");
    const [code, stdout] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
    rmSync(marker, { force: true });
    expect(code).toBe(143);
    const { hosts, summary } = parseJson(stdout);
    expect(hosts[0]).toMatchObject({ status: "cancelled", phase: "command", error: "cancelled" });
    expect(summary).toMatchObject({ cancelled: 1 });
    expect(readFileSync(retryFile, "utf8")).toBe(`${hostSpecs(fleet)[0]}\n`);
  }, 30_000);
});

describe("Ansible inventories against real hosts", () => {
  function hostLine(name: string, index: number): string {
    const host = fleet.hosts[index];
    return `${name} ansible_host=${host?.address} ansible_port=${host?.port} ansible_user=${fleet.user} ansible_ssh_private_key_file=${fleet.clientKey}`;
  }

  test("INI: groups, children and web:&prod:!web03", async () => {
    const inventory = ws.file(
      "hosts.ini",
      [
        "[web]",
        hostLine("web01", 0),
        hostLine("web02", 1),
        hostLine("web03", 2),
        hostLine("web04", 3),
        "[db]",
        hostLine("db01", 4),
        "[staging]",
        "web04",
        "[prod:children]",
        "web",
        "db",
        "",
      ].join("\n"),
    );
    const result = await ws.sshping([
      "-i",
      inventory,
      "web:&prod:!web03",
      "-F",
      "none",
      "--known-hosts",
      knownHosts,
      "--json",
    ]);
    expect(result.exitCode).toBe(0);
    const { hosts } = parseJson(result.stdout);
    expect(hosts.map((h) => h.host).sort()).toEqual(["web01", "web02", "web04"]);
    expect(hosts.every((h) => h.status === "ok")).toBe(true);

    const limited = await ws.sshping([
      "-i",
      inventory,
      "prod",
      "--limit",
      "!staging:!db01",
      "-F",
      "none",
      "--known-hosts",
      knownHosts,
      "--json",
    ]);
    expect(
      parseJson(limited.stdout)
        .hosts.map((h) => h.host)
        .sort(),
    ).toEqual(["web01", "web02", "web03"]);
  }, 30_000);

  test("YAML: vars inherited from groups, retry file fed back with --limit @FILE", async () => {
    const closedPort = await freePort();
    const host = (i: number) =>
      `        web0${i + 1}:\n          ansible_host: ${fleet.hosts[i]?.address}\n          ansible_port: ${fleet.hosts[i]?.port}\n`;
    const inventory = ws.file(
      "hosts.yml",
      `all:\n  vars:\n    ansible_user: ${fleet.user}\n    ansible_ssh_private_key_file: ${fleet.clientKey}\n  children:\n    web:\n      hosts:\n${host(0)}${host(1)}        broken:\n          ansible_host: 127.0.0.1\n          ansible_port: ${closedPort}\n`,
    );
    const retryFile = `${ws.dir}/yaml-retry.txt`;
    const result = await ws.sshping([
      "-i",
      inventory,
      "web",
      "-F",
      "none",
      "--known-hosts",
      knownHosts,
      "--retries",
      "0",
      "--retry-file",
      retryFile,
      "--json",
    ]);
    expect(result.exitCode).toBe(4);
    expect(statusByHost(parseJson(result.stdout).hosts)).toEqual({
      [fleet.hosts[0]?.address ?? ""]: "ok",
      [fleet.hosts[1]?.address ?? ""]: "ok",
      "127.0.0.1": "unreachable",
    });
    const again = await ws.sshping([
      "-i",
      inventory,
      "--limit",
      `@${retryFile}`,
      "-F",
      "none",
      "--retries",
      "0",
      "--json",
    ]);
    expect(parseJson(again.stdout).hosts.map((h) => h.host)).toEqual(["broken"]);
  }, 30_000);
});
