/**
 * Private key files group or others can access are ignored, as ssh does (sshkey_perm_ok: owned
 * by the user and mode & 077), with a warning naming the file and its mode; the next identity
 * (another file, the agent) is still tried.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { type SshdFleet, sharedSshdFleet, startSshAgent, testUser } from "../env/sshd.ts";
import { compiledTool } from "../helpers/compiled.ts";
import { hostSpecs, parseJson, type Workspace, workspace } from "./sshping-helpers.ts";

let fleet: SshdFleet;
let ws: Workspace;
let knownHosts: string;
let common: string[];

beforeAll(async () => {
  [fleet] = await Promise.all([sharedSshdFleet("sshping", { count: 20 }), compiledTool("sshping")]);
  ws = workspace();
  knownHosts = ws.file("known_hosts", `${fleet.knownHostsLines().join("\n")}\n`);
  common = [hostSpecs(fleet)[0] ?? "", "-F", "none", "--known-hosts", knownHosts, "--json"];
}, 60_000);

/** A copy of the authorized client key with `mode`, owned by whoever runs the tests. */
function clientKeyCopy(name: string, mode: number): string {
  const path = join(ws.dir, name);
  copyFileSync(fleet.clientKey, path);
  chmodSync(path, mode);
  return path;
}

describe("private key file permissions", () => {
  test("a 0644 key of ours is ignored: the host fails to log in, saying why, and a warning names the file and mode", async () => {
    const key = clientKeyCopy("open_0644", 0o644);
    // Two hosts: the warning comes once per run, not once per host.
    const result = await ws.sshping([...common, hostSpecs(fleet)[1] ?? "", "-k", key]);
    expect(result.exitCode).toBe(4);
    const hosts = parseJson(result.stdout).hosts;
    expect(hosts).toHaveLength(2);
    for (const host of hosts) {
      expect(host).toMatchObject({ status: "auth_failed", phase: "auth" });
      expect(String(host?.error)).toContain("no usable credential");
      expect(String(host?.error)).toContain(`${key}: bad permissions 0644`);
    }
    expect(result.stderr).toContain("UNPROTECTED PRIVATE KEY FILE");
    expect(result.stderr).toContain(`${key}: `);
    expect(result.stderr).toContain("permissions 0644 are too open");
    expect(result.stderr.match(/UNPROTECTED/g)).toHaveLength(1);
  }, 30_000);

  test("group access is enough to refuse it (0640), and 0600 and 0400 are fine", async () => {
    const group = await ws.sshping([...common, "-k", clientKeyCopy("group_0640", 0o640)]);
    expect(parseJson(group.stdout).hosts[0]).toMatchObject({ status: "auth_failed" });
    expect(group.stderr).toContain("permissions 0640 are too open");
    for (const mode of [0o600, 0o400]) {
      const result = await ws.sshping([...common, "-k", clientKeyCopy(`ok_${mode}`, mode)]);
      expect(result.stderr).toBe("");
      expect(parseJson(result.stdout).hosts[0]).toMatchObject({ status: "ok" });
      expect(result.exitCode).toBe(0);
    }
  }, 30_000);

  test("the next identity file is tried, as ssh does", async () => {
    const open = clientKeyCopy("open_then_good", 0o644);
    const result = await ws.sshping([...common, "-k", open, "-k", fleet.clientKey]);
    expect(parseJson(result.stdout).hosts[0]).toMatchObject({ status: "ok" });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`${open}: UNPROTECTED PRIVATE KEY FILE`);
  }, 30_000);

  test("the agent still signs for the key it holds (IdentitiesOnly yes, no .pub beside the file)", async () => {
    const agent = await startSshAgent(ws.dir, [fleet.clientKey]);
    try {
      const open = clientKeyCopy("open_in_agent", 0o644);
      const config = ws.file(
        "cfg-open-agent",
        `Host *\n  IdentityFile ${open}\n  IdentitiesOnly yes\n`,
      );
      const args = [hostSpecs(fleet)[0] ?? "", "-F", config, "--known-hosts", knownHosts, "--json"];
      const result = await ws.sshping(args, { SSH_AUTH_SOCK: agent.socket });
      expect(parseJson(result.stdout).hosts[0]).toMatchObject({ status: "ok" });
      expect(result.exitCode).toBe(0);
    } finally {
      agent.stop();
    }
  }, 30_000);

  test.if(process.getuid?.() === 0)(
    "a 0644 key owned by another user is used, as ssh does (only the owner's own keys are checked)",
    async () => {
      const key = clientKeyCopy("other_owner_0644", 0o644);
      const owner = spawnSync("chown", [testUser, key]);
      expect(owner.status).toBe(0);
      const result = await ws.sshping([...common, "-k", key]);
      expect(result.stderr).toBe("");
      expect(parseJson(result.stdout).hosts[0]).toMatchObject({ status: "ok" });
      expect(result.exitCode).toBe(0);
    },
  );
});
