import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planTarget } from "../../lib/ssh/plan.ts";
import { loadSshConfig, parseSshConfig } from "../../lib/ssh/ssh-config.ts";
import { parseHostSpec } from "../../lib/ssh/target.ts";

const home = "/home/alice";
const config = parseSshConfig(
  `
# global defaults come first in OpenSSH's first-wins world only if placed first
Host bastion
  HostName 192.0.2.1
  User jump
  Port 2201
Host web-* !web-legacy
  HostName %h.internal
  User deploy
  IdentityFile ~/.ssh/web_key
  IdentitiesOnly yes
  ProxyJump bastion
  ConnectTimeout 3
  ServerAliveInterval 7
  StrictHostKeyChecking accept-new
  UserKnownHostsFile ~/.ssh/known_web %d/.ssh/known_other
Host *
  User fallback
  IdentityFile ~/.ssh/id_common
  Port 22
`,
  "config",
  home,
);

const defaults = {
  home,
  localUser: "alice",
  identityFiles: [],
  defaultConnectTimeoutMs: 5000,
  defaultKeepaliveIntervalMs: 15000,
};

describe("ssh_config", () => {
  test("first value wins, IdentityFile accumulates, negated patterns exclude", () => {
    const web = config.resolve("web-1");
    expect(web.hostName).toBe("%h.internal");
    expect(web.user).toBe("deploy");
    expect(web.identityFiles).toEqual(["~/.ssh/web_key", "~/.ssh/id_common"]);
    const legacy = config.resolve("web-legacy");
    expect(legacy.user).toBe("fallback");
    expect(legacy.proxyJump).toBeUndefined();
  });

  test("a plan: tokens, ~, ProxyJump resolved through the config, timeouts", () => {
    const plan = planTarget(parseHostSpec("web-1"), config, defaults);
    expect(plan).toMatchObject({
      host: "web-1.internal",
      user: "deploy",
      port: 22,
      identitiesOnly: true,
      connectTimeoutMs: 3000,
      keepaliveIntervalMs: 7000,
      hostKeyChecking: "accept-new",
      knownHostsFiles: ["/home/alice/.ssh/known_web", "/home/alice/.ssh/known_other"],
    });
    expect(plan.identityFiles.map((f) => f.path)).toEqual([
      "/home/alice/.ssh/web_key",
      "/home/alice/.ssh/id_common",
    ]);
    expect(plan.jumps).toHaveLength(1);
    expect(plan.jumps[0]).toMatchObject({ host: "192.0.2.1", port: 2201, user: "jump" });
  });

  test("ConnectTimeout/ServerAliveInterval past what a timer can wait (24.8 days) are capped there", () => {
    // A Node timer given more than 2^31-1 ms fires at once: every host would time out at once.
    const long = parseSshConfig(
      "Host *\n  ConnectTimeout 9999999999\n  ServerAliveInterval 3000000\n",
      "config",
      home,
    );
    const plan = planTarget(parseHostSpec("db-1"), long, defaults);
    expect(plan.connectTimeoutMs).toBe(2_147_483_000);
    expect(plan.keepaliveIntervalMs).toBe(2_147_483_000);
  });

  test("ConnectTimeout and ServerAliveInterval are times as ssh reads them (30s, 1m30s)", () => {
    // ssh -G takes these (convtime); sshping refused the whole run, exit 2.
    const timed = parseSshConfig(
      "Host *\n  ConnectTimeout 30s\n  ServerAliveInterval 1m30s\n",
      "config",
      home,
    );
    const plan = planTarget(parseHostSpec("db-1"), timed, defaults);
    expect(plan.connectTimeoutMs).toBe(30_000);
    expect(plan.keepaliveIntervalMs).toBe(90_000);
    const bad = parseSshConfig("Host *\n  ConnectTimeout soon\n", "config", home);
    expect(() => bad.resolve("db-1")).toThrow(/connecttimeout "soon" is not a time/);
  });

  test("a # word ends the line, as in OpenSSH 8.7+ (Port 2222 # custom)", () => {
    const commented = parseSshConfig(
      'Host db-* # the databases\n  Port 2222 # custom\n  HostName "%h.db" # internal: it\'s "here\n  User u#1\n',
      "config",
      home,
    );
    expect(commented.blocks.at(-1)?.patterns).toEqual(["db-*"]);
    expect(commented.resolve("db-1")).toMatchObject({ port: 2222, hostName: "%h.db", user: "u#1" });
  });

  test("Port is a decimal 1-65535 and counts are decimal, as ssh reads them (not 0x16, 1e3, 70000)", () => {
    const resolve = (lines: string) => () =>
      parseSshConfig(`Host *\n${lines}\n`, "config", home).resolve("h");
    for (const port of ["70000", "0", "0x16", "1e3", "22.5"])
      expect(resolve(`  Port ${port}`)).toThrow(
        `ssh config for h: port "${port}" is not a port (1-65535)`,
      );
    expect(resolve("  ServerAliveCountMax 0x3")).toThrow(
      'serveralivecountmax "0x3" is not a number',
    );
    expect(resolve("  Port 65535\n  ServerAliveCountMax 3")()).toMatchObject({
      port: 65535,
      serverAliveCountMax: 3,
    });
  });

  test("the first jump host's own ProxyJump comes before it, as with ssh; a loop is an error", () => {
    const chained = parseSshConfig(
      `Host app-*
  ProxyJump inner,last
Host inner
  ProxyJump outer
Host outer
  HostName 192.0.2.9
Host last
  ProxyJump ignored
Host loop-a
  ProxyJump loop-b
Host loop-b
  ProxyJump loop-a
`,
      "config",
      home,
    );
    const plan = planTarget(parseHostSpec("app-1"), chained, defaults);
    expect(plan.jumps.map((hop) => hop.label)).toEqual(["outer", "inner", "last"]);
    expect(plan.jumps[0]?.host).toBe("192.0.2.9");
    expect(() => planTarget(parseHostSpec("x"), chained, { ...defaults, jump: "loop-a" })).toThrow(
      "ProxyJump: loop-a -> loop-b -> loop-a",
    );
  });

  test("command line and target beat ssh_config; explicit user@ beats -u", () => {
    const plan = planTarget(parseHostSpec("root@web-2:2222"), config, {
      ...defaults,
      user: "ignored",
      hostKeyChecking: "strict",
      connectTimeoutMs: 1000,
    });
    expect(plan).toMatchObject({
      user: "root",
      port: 2222,
      hostKeyChecking: "strict",
      connectTimeoutMs: 1000,
    });
  });

  test("defaults when nothing is configured: ~/.ssh/id_* and known_hosts, strict", () => {
    const plan = planTarget(parseHostSpec("other"), parseSshConfig("", "empty", home), defaults);
    expect(plan.user).toBe("alice");
    expect(plan.hostKeyChecking).toBe("strict");
    expect(plan.identityFiles.every((f) => f.implicit)).toBe(true);
    expect(plan.knownHostsFiles[0]).toBe("/home/alice/.ssh/known_hosts");
  });

  test("ProxyCommand is refused clearly rather than silently connecting directly", () => {
    const plan = planTarget(
      parseHostSpec("x"),
      parseSshConfig("Host x\n  ProxyCommand nc %h %p\n", "c", home),
      defaults,
    );
    expect(plan.unsupported).toMatch(/ProxyCommand is not supported/);
  });

  test("-F FILE with Include, and a missing -F file is an error", () => {
    const dir = mkdtempSync(join(tmpdir(), "sshping-cfg-"));
    mkdirSync(join(dir, ".ssh"));
    writeFileSync(join(dir, ".ssh", "extra.conf"), "Host inc\n  Port 2022\n");
    writeFileSync(
      join(dir, "main.conf"),
      `Include ${join(dir, ".ssh", "*.conf")}\nHost *\n  User u\n`,
    );
    const loaded = loadSshConfig({ file: join(dir, "main.conf"), home: dir });
    expect(loaded.resolve("inc")).toMatchObject({ port: 2022, user: "u" });
    expect(() => loadSshConfig({ file: join(dir, "missing"), home: dir })).toThrow(
      /missing: no such file/,
    );
  });

  test("an Include inside a Host block applies only to the hosts of that block, as in ssh", () => {
    const dir = mkdtempSync(join(tmpdir(), "sshping-cfg-"));
    writeFileSync(join(dir, "work.conf"), "User bob\nHost *\n  Port 2200\n");
    writeFileSync(
      join(dir, "main.conf"),
      `Host work-*\n  Include ${join(dir, "work.conf")}\n  ConnectTimeout 3\nMatch host x\n  Include ${join(dir, "work.conf")}\nHost *\n  User alice\n`,
    );
    const loaded = loadSshConfig({ file: join(dir, "main.conf"), home: dir });
    expect(loaded.resolve("work-1")).toMatchObject({ user: "bob", port: 2200, connectTimeout: 3 });
    // ssh -G home1: user alice, port 22; the included Host * used to reach every host.
    const other = loaded.resolve("home1");
    expect(other.user).toBe("alice");
    expect(other.port).toBeUndefined();
    expect(other.connectTimeout).toBeUndefined();
  });

  test("UserKnownHostsFile none and GlobalKnownHostsFile none mean no file, not ./none", () => {
    const plan = planTarget(
      parseHostSpec("x"),
      parseSshConfig("Host x\n  UserKnownHostsFile none\n  GlobalKnownHostsFile none\n", "c", home),
      defaults,
    );
    expect(plan.knownHostsFiles).toEqual([]);
    expect(plan.globalKnownHostsFiles).toEqual([]);
  });
});
