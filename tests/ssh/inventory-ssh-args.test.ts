import { describe, expect, test } from "bun:test";
import { parseIniInventory } from "../../lib/ssh/inventory/ini.ts";
import { inventoryTarget } from "../../lib/ssh/inventory/load.ts";
import { parseSshArgs } from "../../lib/ssh/inventory/ssh-args.ts";
import { type PlanDefaults, planTarget } from "../../lib/ssh/plan.ts";
import { parseSshConfig } from "../../lib/ssh/ssh-config.ts";

/** What the flags give every plan here: no identity file, the default timers. */
const planDefaults: PlanDefaults = {
  home: "/home/u",
  localUser: "u",
  identityFiles: [],
  defaultConnectTimeoutMs: 5000,
  defaultKeepaliveIntervalMs: 15000,
};

describe("ssh arguments (ansible_ssh_common_args / ansible_ssh_extra_args)", () => {
  test("the forms ssh accepts: -J, -Jx, -o K=V, -oK=V, -o 'K V', quotes", () => {
    expect(parseSshArgs("-J bastion")).toMatchObject({ jump: "bastion" });
    expect(parseSshArgs("-Jjump@b1:2222,b2")).toMatchObject({ jump: "jump@b1:2222,b2" });
    expect(parseSshArgs("-o ProxyJump=bastion")).toMatchObject({ jump: "bastion" });
    expect(parseSshArgs("-oproxyjump=bastion")).toMatchObject({ jump: "bastion" });
    expect(parseSshArgs(`-o "ProxyJump bastion"`)).toMatchObject({ jump: "bastion" });
    expect(parseSshArgs("-p 2200 -ldeploy -i /k -b 10.0.0.1")).toEqual({
      port: 2200,
      user: "deploy",
      identityFiles: ["/k"],
      unsupported: ["-b 10.0.0.1"],
    });
    expect(
      parseSshArgs(
        "-o Port=2222 -o User=deploy -o IdentityFile=~/.ssh/a -o 'IdentityFile=/k b' -o ConnectTimeout=7 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
      ),
    ).toEqual({
      port: 2222,
      user: "deploy",
      identityFiles: ["~/.ssh/a", "/k b"],
      connectTimeout: 7,
      strictHostKeyChecking: "no",
      knownHostsFiles: ["/dev/null"],
      unsupported: [],
    });
  });

  test("first value wins, as with ssh; settings that change nothing for a probe are allowed", () => {
    expect(parseSshArgs("-J first -o ProxyJump=second -o Port=1 -o Port=2")).toMatchObject({
      jump: "first",
      port: 1,
    });
    expect(
      parseSshArgs("-C -q -o ControlMaster=auto -o ControlPersist=60s -o Compression=yes"),
    ).toEqual({ identityFiles: [], unsupported: [] });
  });

  test("LogLevel is -q/-v's option: it changes nothing for a probe either", () => {
    expect(parseSshArgs("-o LogLevel=ERROR -o loglevel=quiet")).toEqual({
      identityFiles: [],
      unsupported: [],
    });
  });

  test("ProxyCommand=none is no proxy, as ssh reads it: no jump host, even from ssh_config", () => {
    expect(parseSshArgs("-o ProxyCommand=none")).toEqual({
      jump: "none",
      identityFiles: [],
      unsupported: [],
    });
    // ssh keeps the first of ProxyCommand and ProxyJump.
    expect(parseSshArgs("-o ProxyCommand=None -J later")).toMatchObject({ jump: "none" });
    expect(parseSshArgs("-J first -o ProxyCommand=none")).toMatchObject({ jump: "first" });
    const direct = parseIniInventory(
      `bastion1 ansible_ssh_common_args="-o ProxyCommand=none"\n`,
      "hosts.ini",
    );
    const plan = planTarget(
      inventoryTarget(direct, "bastion1"),
      parseSshConfig("Host *\n  ProxyJump jumper\n", "config", "/home/u"),
      planDefaults,
    );
    expect(plan.unsupported).toBeUndefined();
    expect(plan.jumps).toEqual([]);
  });

  test("ServerAliveInterval/CountMax and IdentitiesOnly are sshping's keepalive and identities-only settings", () => {
    // They failed the host as not supported; first value wins, as with ssh.
    expect(
      parseSshArgs(
        "-o ServerAliveInterval=30 -o ServerAliveCountMax=5 -o IdentitiesOnly=yes -o ServerAliveInterval=5 -o serveralivecountmax=1 -o identitiesonly=no",
      ),
    ).toEqual({
      serverAliveInterval: 30,
      serverAliveCountMax: 5,
      identitiesOnly: true,
      identityFiles: [],
      unsupported: [],
    });
    // As ssh reads them: the interval a time (0 is off), the flag yes/no/true/false.
    expect(parseSshArgs("-o ServerAliveInterval=1m -o IdentitiesOnly=False")).toEqual({
      serverAliveInterval: 60,
      identitiesOnly: false,
      identityFiles: [],
      unsupported: [],
    });
    expect(parseSshArgs("-oServerAliveInterval=0")).toMatchObject({ serverAliveInterval: 0 });
    expect(() => parseSshArgs("-o ServerAliveInterval=often")).toThrow(
      '-o ServerAliveInterval=often: "often" is not a time (seconds, or 30s, 1m)',
    );
    expect(() => parseSshArgs("-o ServerAliveCountMax=-1")).toThrow(
      '-o ServerAliveCountMax=-1: "-1" is not a count (0 or more)',
    );
    expect(() => parseSshArgs("-o IdentitiesOnly=maybe")).toThrow(
      '-o IdentitiesOnly=maybe: "maybe" is not yes or no',
    );
  });

  test("what sshping cannot honour is listed, not dropped", () => {
    expect(
      parseSshArgs(`-o ProxyCommand="ssh -W %h:%p bastion" -A -o ForwardAgent=yes -J b`),
    ).toMatchObject({
      jump: "b",
      unsupported: ["-o ProxyCommand=ssh -W %h:%p bastion", "-A", "-o ForwardAgent=yes"],
    });
  });

  test("what ssh accepts is not called malformed: keywords with digits, time units, true/false", () => {
    // ForwardX11 is a keyword ssh knows: listed as not honoured, not "expected Keyword=value".
    expect(parseSshArgs("-o ForwardX11=no -oForwardX11Trusted=no")).toMatchObject({
      unsupported: ["-o ForwardX11=no", "-o ForwardX11Trusted=no"],
    });
    // ssh reads ConnectTimeout as a time (convtime): 30s, 1m, 1m30s.
    expect(parseSshArgs("-o ConnectTimeout=1m30s")).toMatchObject({ connectTimeout: 90 });
    expect(parseSshArgs("-o ConnectTimeout=20S")).toMatchObject({ connectTimeout: 20 });
    expect(() => parseSshArgs("-o ConnectTimeout=soon")).toThrow(
      '-o ConnectTimeout=soon: "soon" is not a time (seconds, or 30s, 1m)',
    );
    // ssh takes true and false for yes and no.
    expect(parseSshArgs("-o StrictHostKeyChecking=false")).toMatchObject({
      strictHostKeyChecking: "no",
    });
    expect(parseSshArgs("-o StrictHostKeyChecking=True")).toMatchObject({
      strictHostKeyChecking: "yes",
    });
  });

  test("malformed arguments are errors", () => {
    expect(() => parseSshArgs("-o")).toThrow("-o needs a value");
    expect(() => parseSshArgs("-J")).toThrow("-J needs a value");
    expect(() => parseSshArgs("-o 'Port=2222")).toThrow("unterminated quote");
    expect(() => parseSshArgs("-o Port=x")).toThrow('-o Port=x: "x" is not a port (1-65535)');
    expect(() => parseSshArgs("-o StrictHostKeyChecking=maybe")).toThrow(
      '-o StrictHostKeyChecking=maybe: "maybe" is not yes, no, ask, accept-new or off',
    );
  });
});

const inventory = parseIniInventory(
  `[behind]
web1 ansible_ssh_extra_args="-o StrictHostKeyChecking=accept-new"
web2 ansible_port=2202 ansible_ssh_common_args="-J other -o Port=9 -o User=u2"
web3 ansible_ssh_common_args='-o ProxyCommand="ssh -W %h:%p bastion"'
[behind:vars]
ansible_ssh_common_args="-o ProxyJump=bastion -o ConnectTimeout=3 -o UserKnownHostsFile=/tmp/kh"
[broken]
bad1 ansible_ssh_extra_args="-o Port=99999"
`,
  "hosts.ini",
);

describe("inventory hosts with ssh arguments", () => {
  test("host and group variables become the target's settings; ansible_port/user win", () => {
    expect(inventoryTarget(inventory, "web1")).toEqual({
      name: "web1",
      host: "web1",
      spec: "web1",
      jump: "bastion",
      connectTimeout: 3,
      knownHostsFiles: ["/tmp/kh"],
      strictHostKeyChecking: "accept-new",
    });
    // The host's common args replace the group's (a variable, not a list); ansible_port beats Port=.
    expect(inventoryTarget(inventory, "web2")).toEqual({
      name: "web2",
      host: "web2",
      spec: "web2",
      port: 2202,
      user: "u2",
      jump: "other",
    });
  });

  test("UserKnownHostsFile replaces the user's files only: ssh still reads GlobalKnownHostsFile", () => {
    const plan = planTarget(
      inventoryTarget(inventory, "web1"),
      parseSshConfig("GlobalKnownHostsFile /etc/ssh/fleet_known_hosts\n", "config", "/home/u"),
      planDefaults,
    );
    expect(plan.knownHostsFiles).toEqual(["/tmp/kh"]);
    expect(plan.globalKnownHostsFiles).toEqual(["/etc/ssh/fleet_known_hosts"]);
  });

  test("keepalive and IdentitiesOnly from them beat the flags and ssh_config, for the target only", () => {
    const hosts = parseIniInventory(
      `web1 ansible_ssh_common_args="-J bastion -o ServerAliveInterval=30 -o ServerAliveCountMax=5 -o IdentitiesOnly=yes"\nweb2 ansible_ssh_extra_args="-o ServerAliveInterval=0 -o IdentitiesOnly=no"\n`,
      "hosts.ini",
    );
    expect(inventoryTarget(hosts, "web1")).toEqual({
      name: "web1",
      host: "web1",
      spec: "web1",
      jump: "bastion",
      serverAliveInterval: 30,
      serverAliveCountMax: 5,
      identitiesOnly: true,
    });
    const config = parseSshConfig(
      "Host *\n  ServerAliveInterval 7\n  ServerAliveCountMax 9\n  IdentitiesOnly yes\n",
      "config",
      "/home/u",
    );
    const defaults: PlanDefaults = {
      ...planDefaults,
      keepaliveIntervalMs: 20000,
    };
    const web1 = planTarget(inventoryTarget(hosts, "web1"), config, defaults);
    expect(web1).toMatchObject({
      keepaliveIntervalMs: 30000,
      keepaliveCountMax: 5,
      identitiesOnly: true,
    });
    expect(web1.unsupported).toBeUndefined();
    expect(web1.jumps[0]).toMatchObject({
      keepaliveIntervalMs: 20000,
      keepaliveCountMax: 9,
      identitiesOnly: true,
    });
    // 0 turns keepalives off as in ssh; IdentitiesOnly no beats ssh_config's yes.
    const web2 = planTarget(inventoryTarget(hosts, "web2"), config, defaults);
    expect(web2).toMatchObject({
      keepaliveIntervalMs: 0,
      keepaliveCountMax: 9,
      identitiesOnly: false,
    });
  });

  test("an option sshping cannot honour names the host, the variable and the option", () => {
    expect(inventoryTarget(inventory, "web3")).toMatchObject({
      unsupported:
        "inventory host web3: ansible_ssh_common_args: -o ProxyCommand=ssh -W %h:%p bastion is not supported by sshping (it honours -J, -p, -l, -i and -o ProxyJump, Port, User, IdentityFile, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, ServerAliveInterval, ServerAliveCountMax, IdentitiesOnly)",
    });
    expect(() => inventoryTarget(inventory, "bad1")).toThrow(
      'inventory host bad1: ansible_ssh_extra_args: -o Port=99999: "99999" is not a port (1-65535)',
    );
  });

  test("in the plan they beat the flags and ssh_config, for the target, not its jump hosts", () => {
    const config = parseSshConfig(
      "Host bastion\n  HostName 192.0.2.1\n  User jumper\nHost web*\n  ProxyJump fromconfig\n  ConnectTimeout 20\n",
      "config",
      "/home/u",
    );
    const defaults: PlanDefaults = {
      ...planDefaults,
      connectTimeoutMs: 9000,
      hostKeyChecking: "strict",
      knownHostsFiles: ["/flags/kh"],
      jump: "fromflag",
    };
    const plan = planTarget(inventoryTarget(inventory, "web1"), config, defaults);
    expect(plan).toMatchObject({
      connectTimeoutMs: 3000,
      hostKeyChecking: "accept-new",
      knownHostsFiles: ["/tmp/kh"],
    });
    expect(plan.jumps).toHaveLength(1);
    expect(plan.jumps[0]).toMatchObject({
      label: "bastion",
      host: "192.0.2.1",
      user: "jumper",
      connectTimeoutMs: 9000,
      hostKeyChecking: "strict",
      knownHostsFiles: ["/flags/kh"],
    });
    const web3 = planTarget(inventoryTarget(inventory, "web3"), config, defaults);
    expect(web3.unsupported).toContain("inventory host web3: ansible_ssh_common_args");
    const none = planTarget(
      { name: "x", host: "x", spec: "x", jump: "none", identityFiles: ["/k/extra"] },
      config,
      { ...defaults, identityFiles: ["/k/flag"] },
    );
    expect(none.jumps).toEqual([]);
    expect(none.identityFiles.map((file) => file.path)).toEqual(["/k/extra", "/k/flag"]);
  });
});
