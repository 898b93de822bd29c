import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { generateKey, type SshdFleet, startSshdFleet } from "../env/sshd.ts";
import { compiledTool } from "../helpers/compiled.ts";
import { hostSpecs, parseJson, type Workspace, workspace } from "./sshping-helpers.ts";

let fleet: SshdFleet;
let ws: Workspace;
let encryptedKey: string;

beforeAll(async () => {
  ws = workspace();
  [encryptedKey] = generateKey(ws.dir, "encrypted_ed25519", "s3cret");
  const encryptedPublic = readFileSync(`${encryptedKey}.pub`, "utf8").trim();
  // Its own servers: the logs must show what (not) happened on them alone.
  [fleet] = await Promise.all([
    startSshdFleet({ count: 6, authorizedPublicKey: encryptedPublic }),
    compiledTool("sshping"),
  ]);
}, 60_000);

async function logsAfter(before: number, until: RegExp): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const slice = fleet.logs().slice(before);
    if (until.test(slice)) return slice;
    await Bun.sleep(50);
  }
  return fleet.logs().slice(before);
}

describe("host keys against known_hosts", () => {
  test("a changed host key is refused before any authentication attempt", async () => {
    const host = fleet.hosts[0];
    const otherKey = "AAAAC3NzaC1lZDI1NTE5AAAAIBXyQxLSSJaUZHbFmOmU3xdnoHj7t+fDsnkyNkTGH5M3";
    const knownHosts = ws.file(
      "kh-changed",
      `[${host?.address}]:${host?.port} ssh-ed25519 ${otherKey}\n`,
    );
    const before = fleet.logs().length;
    const result = await ws.sshping([
      hostSpecs(fleet)[0] ?? "",
      "-F",
      "none",
      "-k",
      fleet.clientKey,
      "--known-hosts",
      knownHosts,
      "--json",
    ]);
    expect(result.exitCode).toBe(4);
    const [record] = parseJson(result.stdout).hosts;
    expect(record).toMatchObject({ status: "hostkey_mismatch", phase: "handshake", attempts: 1 });
    expect(String(record?.error)).toContain("HOST KEY MISMATCH");
    expect(String(record?.error)).toContain(`${knownHosts}:1`);
    expect(result.stderr).toContain("HOST KEY MISMATCH"); // loudly, on stderr too
    const logs = await logsAfter(before, /Connection (closed|reset) by .*\[preauth\]|Disconnected/);
    expect(logs).toContain(`on ${host?.address} port ${host?.port}`);
    expect(logs).not.toMatch(
      /Accepted key|Failed publickey|Postponed publickey|Accepted publickey/,
    );
  }, 30_000);

  test("unknown host: strict refuses, accept-new records it in OpenSSH's format, then strict accepts", async () => {
    const spec = hostSpecs(fleet)[1] ?? "";
    const host = fleet.hosts[1];
    const knownHosts = ws.file("kh-new", "");
    const args = [spec, "-F", "none", "-k", fleet.clientKey, "--known-hosts", knownHosts, "--json"];
    const strict = await ws.sshping(args);
    expect(strict.exitCode).toBe(4);
    expect(parseJson(strict.stdout).hosts[0]).toMatchObject({ status: "hostkey_unknown" });
    expect(readFileSync(knownHosts, "utf8")).toBe("");

    const acceptNew = await ws.sshping([...args, "--host-key-checking", "accept-new"]);
    expect(acceptNew.exitCode).toBe(0);
    expect(parseJson(acceptNew.stdout).hosts[0]).toMatchObject({
      status: "ok",
      host_key_added: knownHosts,
    });
    expect(readFileSync(knownHosts, "utf8")).toBe(
      `[${host?.address}]:${host?.port} ${fleet.hostKeyType} ${fleet.hostKeyBase64}\n`,
    );
    expect(
      spawnSync("ssh-keygen", ["-F", `[${host?.address}]:${host?.port}`, "-f", knownHosts]).status,
    ).toBe(0);

    const strictAgain = await ws.sshping(args);
    expect(strictAgain.exitCode).toBe(0);
  }, 30_000);

  test("ssh_config StrictHostKeyChecking accept-new + HashKnownHosts writes hashed lines ssh reads", async () => {
    const knownHosts = ws.file("kh-hashed-new", "");
    const config = ws.file(
      "config-hash",
      `Host *\n  StrictHostKeyChecking accept-new\n  HashKnownHosts yes\n  UserKnownHostsFile ${knownHosts}\n  IdentityFile ${fleet.clientKey}\n`,
    );
    const result = await ws.sshping([hostSpecs(fleet)[2] ?? "", "-F", config]);
    expect(result.exitCode).toBe(0);
    const content = readFileSync(knownHosts, "utf8");
    expect(content).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
    expect(content).not.toContain(fleet.hosts[2]?.address ?? "-");
    const host = fleet.hosts[2];
    expect(
      spawnSync("ssh-keygen", ["-F", `[${host?.address}]:${host?.port}`, "-f", knownHosts]).status,
    ).toBe(0);
  }, 30_000);

  test("hashed known_hosts (ssh-keygen -H) are verified", async () => {
    const knownHosts = ws.file("kh-hashed", `${fleet.knownHostsLines().join("\n")}\n`);
    expect(spawnSync("ssh-keygen", ["-H", "-f", knownHosts]).status).toBe(0);
    expect(readFileSync(knownHosts, "utf8")).not.toContain("127.");
    const result = await ws.sshping([
      ...hostSpecs(fleet),
      "-F",
      "none",
      "-k",
      fleet.clientKey,
      "--known-hosts",
      knownHosts,
      "--json",
    ]);
    expect(result.exitCode).toBe(0);
    expect(parseJson(result.stdout).summary).toMatchObject({ ok: 6 });
  }, 30_000);

  test("@revoked keys are refused", async () => {
    const knownHosts = ws.file(
      "kh-revoked",
      `${fleet.knownHostsLines().join("\n")}\n@revoked * ${fleet.hostKeyType} ${fleet.hostKeyBase64}\n`,
    );
    const result = await ws.sshping([
      hostSpecs(fleet)[3] ?? "",
      "-F",
      "none",
      "-k",
      fleet.clientKey,
      "--known-hosts",
      knownHosts,
      "--json",
    ]);
    expect(result.exitCode).toBe(4);
    const [record] = parseJson(result.stdout).hosts;
    expect(record).toMatchObject({ status: "hostkey_mismatch" });
    expect(String(record?.error)).toContain("@revoked");
  }, 30_000);

  test("--host-key-checking off connects without known_hosts", async () => {
    const result = await ws.sshping([
      hostSpecs(fleet)[3] ?? "",
      "-F",
      "none",
      "-k",
      fleet.clientKey,
      "--known-hosts",
      "/dev/null",
      "--host-key-checking",
      "off",
    ]);
    expect(result.exitCode).toBe(0);
  }, 30_000);
});

describe("credentials", () => {
  test("a real ssh-agent (SSH_AUTH_SOCK), no key files", async () => {
    const { startSshAgent } = await import("../env/sshd.ts");
    const agent = await startSshAgent(ws.dir, [fleet.clientKey]);
    const knownHosts = ws.file("kh-agent", `${fleet.knownHostsLines().join("\n")}\n`);
    const args = [...hostSpecs(fleet), "-F", "none", "--known-hosts", knownHosts, "--json"];
    const withAgent = await ws.sshping(args, { SSH_AUTH_SOCK: agent.socket });
    expect(withAgent.exitCode).toBe(0);
    expect(parseJson(withAgent.stdout).summary).toMatchObject({ ok: 6 });
    const without = await ws.sshping(args);
    expect(without.exitCode).toBe(4);
    const [record] = parseJson(without.stdout).hosts;
    expect(record).toMatchObject({ status: "auth_failed" });
    expect(String(record?.error)).toContain("no usable credential");
    agent.stop();
  }, 30_000);

  test("an SSH_AUTH_SOCK nobody listens on (stale) is skipped: the key files are still tried", async () => {
    const knownHosts = ws.file("kh-stale-agent", `${fleet.knownHostsLines().join("\n")}\n`);
    const env = { SSH_AUTH_SOCK: `${ws.dir}/gone-agent.sock` };
    const args = [hostSpecs(fleet)[5] ?? "", "-F", "none", "--known-hosts", knownHosts, "--json"];
    const withKey = await ws.sshping([...args, "-k", fleet.clientKey], env);
    expect(parseJson(withKey.stdout).hosts[0]).toMatchObject({ status: "ok" });
    expect(withKey.exitCode).toBe(0);
    // Nothing else to try: a login problem that names the agent, not an unreachable host.
    const alone = await ws.sshping(args, env);
    expect(alone.exitCode).toBe(4);
    const [record] = parseJson(alone.stdout).hosts;
    expect(record).toMatchObject({ status: "auth_failed", phase: "auth" });
    expect(String(record?.error)).toContain("ssh-agent");
    expect(String(record?.error)).toContain("Failed to connect to agent");
  }, 60_000);

  test("IdentitiesOnly yes: the agent signs for the IdentityFile keys it holds, and only for those", async () => {
    const { startSshAgent } = await import("../env/sshd.ts");
    const agent = await startSshAgent(ws.dir, [fleet.clientKey]);
    // The encrypted key goes in as ssh-add would ask for it, through SSH_ASKPASS.
    const askpass = ws.file("askpass.sh", "#!/bin/sh\necho s3cret\n", 0o755);
    const added = spawnSync("ssh-add", [encryptedKey], {
      env: {
        ...process.env,
        SSH_AUTH_SOCK: agent.socket,
        SSH_ASKPASS: askpass,
        SSH_ASKPASS_REQUIRE: "force",
        DISPLAY: "none",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(added.status).toBe(0);
    const knownHosts = ws.file("kh-idonly", `${fleet.knownHostsLines().join("\n")}\n`);
    const config = (identityFile: string) =>
      ws.file(
        `cfg-idonly-${identityFile.split("/").pop()}`,
        `Host *\n  IdentityFile ${identityFile}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${knownHosts}\n`,
      );
    const host = hostSpecs(fleet)[3] ?? "";
    const env = { SSH_AUTH_SOCK: agent.socket };
    // The file is encrypted and no passphrase is set: ssh logs in through the agent.
    const viaAgent = await ws.sshping([host, "-F", config(encryptedKey), "--json"], env);
    expect(parseJson(viaAgent.stdout).hosts[0]).toMatchObject({ status: "ok" });
    expect(viaAgent.exitCode).toBe(0);
    // The agent's other key (authorized too) is not offered for another IdentityFile.
    const [otherKey] = generateKey(ws.dir, "idonly_other_ed25519");
    const refused = await ws.sshping([host, "-F", config(otherKey), "--json"], env);
    expect(parseJson(refused.stdout).hosts[0]).toMatchObject({ status: "auth_failed" });
    expect(refused.exitCode).toBe(4);
    agent.stop();
  }, 60_000);

  test("IdentitiesOnly yes and an IdentityFile naming a public key (1Password, a YubiKey): the agent signs for it", async () => {
    const { startSshAgent } = await import("../env/sshd.ts");
    const agent = await startSshAgent(ws.dir, [fleet.clientKey]);
    // Only the public half on disk, as 1Password's and Secretive's setup instructions have it.
    const publicOnly = ws.file("agent-only.pub", `${fleet.clientPublicKey}\n`);
    const knownHosts = ws.file("kh-idonly-pub", `${fleet.knownHostsLines().join("\n")}\n`);
    const config = ws.file(
      "cfg-idonly-pub",
      `Host *\n  IdentityFile ${publicOnly}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${knownHosts}\n`,
    );
    const host = hostSpecs(fleet)[3] ?? "";
    const result = await ws.sshping([host, "-F", config, "--json"], {
      SSH_AUTH_SOCK: agent.socket,
    });
    expect(parseJson(result.stdout).hosts[0]).toMatchObject({ status: "ok" });
    expect(result.exitCode).toBe(0);
    agent.stop();
  }, 60_000);

  test("encrypted key: a clear error without passphrase, works with the passphrase variable", async () => {
    const knownHosts = ws.file("kh-enc", `${fleet.knownHostsLines().join("\n")}\n`);
    const args = [
      hostSpecs(fleet)[4] ?? "",
      "-F",
      "none",
      "-k",
      encryptedKey,
      "--known-hosts",
      knownHosts,
      "--json",
    ];
    const locked = await ws.sshping(args);
    expect(locked.exitCode).toBe(4);
    const [record] = parseJson(locked.stdout).hosts;
    expect(record).toMatchObject({ status: "auth_failed" });
    expect(String(record?.error)).toContain(
      `${encryptedKey}: encrypted key: set SSHPING_KEY_PASSPHRASE or load it into ssh-agent`,
    );

    const wrong = await ws.sshping(args, { SSHPING_KEY_PASSPHRASE: "nope" });
    expect(String(parseJson(wrong.stdout).hosts[0]?.error)).toContain("cannot decrypt");

    const unlocked = await ws.sshping(args, { SSHPING_KEY_PASSPHRASE: "s3cret" });
    expect(unlocked.exitCode).toBe(0);
    const custom = await ws.sshping([...args, "--passphrase-env", "MY_PASS"], {
      MY_PASS: "s3cret",
    });
    expect(custom.exitCode).toBe(0);
  }, 60_000);
});
