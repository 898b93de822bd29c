/** sshping with inventories that need more than parsing: dynamic ones, and their ssh arguments. */
import { beforeAll, describe, expect, test } from "bun:test";
import { type SshdFleet, sharedSshdFleet } from "../env/sshd.ts";
import { compiledTool } from "../helpers/compiled.ts";
import { parseJson, statusByHost, type Workspace, workspace } from "./sshping-helpers.ts";

let fleet: SshdFleet;
let ws: Workspace;
let knownHosts: string;

beforeAll(async () => {
  [fleet] = await Promise.all([sharedSshdFleet("sshping", { count: 20 }), compiledTool("sshping")]);
  ws = workspace();
  knownHosts = ws.file("known_hosts", `${fleet.knownHostsLines().join("\n")}\n`);
}, 60_000);

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
