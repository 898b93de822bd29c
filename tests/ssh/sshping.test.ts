import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { foldHostNames } from "../../lib/ssh/host-range.ts";
import { freePort } from "../env/service.ts";
import { type SshdFleet, sharedSshdFleet } from "../env/sshd.ts";
import { compiledTool } from "../helpers/compiled.ts";
import {
  hostSpecs,
  parseJson,
  statusByHost,
  type Workspace,
  workspace,
} from "./sshping-helpers.ts";

let fleet: SshdFleet;
let ws: Workspace;
let common: string[];

beforeAll(async () => {
  [fleet] = await Promise.all([sharedSshdFleet("sshping", { count: 20 }), compiledTool("sshping")]);
  ws = workspace();
  const knownHosts = ws.file("known_hosts", `${fleet.knownHostsLines().join("\n")}\n`);
  const hostsFile = ws.file("hosts.txt", `${hostSpecs(fleet).join("\n")}\n`);
  common = [`@${hostsFile}`, "-F", "none", "-k", fleet.clientKey, "--known-hosts", knownHosts];
}, 60_000);

describe("sshping on 20 real sshd hosts", () => {
  test("ping: every host ok, latency reported, exit 0", async () => {
    const result = await ws.sshping([...common, "--json"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const { hosts, summary } = parseJson(result.stdout);
    expect(hosts).toHaveLength(20);
    expect(hosts.every((host) => host.status === "ok" && typeof host.latency_ms === "number")).toBe(
      true,
    );
    expect(summary).toMatchObject({ hosts: 20, ok: 20, failed: 0, unreachable: 0 });
  }, 60_000);

  test("human output: one line per host and a summary", async () => {
    const result = await ws.sshping(common);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(
      lines.filter((line) => / \| OK \| [\d.]+ m?s( \| after \d attempts)?$/.test(line)),
    ).toHaveLength(20);
    expect(lines.at(-1)).toMatch(
      /^20 hosts: 20 ok, 0 failed, 0 unreachable, 0 auth failed, 0 host key mismatch in /,
    );
  }, 60_000);

  test("--run collects stdout, stderr and exit code per host; a failing command exits 1", async () => {
    // SSH_CONNECTION names the server address, so each host can answer differently.
    const failingAddresses = [fleet.hosts[1]?.address, fleet.hosts[2]?.address];
    const command = `set -- $SSH_CONNECTION; echo "out $3"; echo "err $3" >&2; case $3 in ${failingAddresses.join("|")}) exit 3;; esac`;
    const result = await ws.sshping([...common, "--json", "--run", command]);
    expect(result.exitCode).toBe(1);
    const { hosts, summary } = parseJson(result.stdout);
    expect(summary).toMatchObject({ ok: 18, failed: 2 });
    for (const host of hosts) {
      expect(host.stdout).toBe(`out ${host.address}\n`);
      expect(host.stderr).toBe(`err ${host.address}\n`);
      const failing = failingAddresses.includes(String(host.address));
      expect(host.exit_code).toBe(failing ? 3 : 0);
      expect(host.status).toBe(failing ? "failed" : "ok");
    }
  }, 60_000);

  test("output is capped per host: 256K by default, --max-output to change it", async () => {
    const one = hostSpecs(fleet).slice(0, 1);
    const base = [
      ...one,
      ...common.slice(1),
      "--json",
      "--run",
      "head -c 300000 /dev/zero | tr '\\0' x",
    ];
    const capped = parseJson((await ws.sshping(base)).stdout).hosts[0];
    expect(String(capped?.stdout).length).toBe(256 * 1024);
    expect(capped?.truncated_bytes).toBe(300_000 - 256 * 1024);
    const wider = parseJson((await ws.sshping([...base, "--max-output", "1M"])).stdout).hosts[0];
    expect(String(wider?.stdout).length).toBe(300_000);
    expect(wider?.truncated_bytes).toBeUndefined();
  }, 60_000);

  test("--max-output never cuts a UTF-8 character in two", async () => {
    const one = hostSpecs(fleet).slice(0, 1);
    // "aé" is 3 bytes: a 2-byte cap keeps "a", not "a" and half an "é" (shown as U+FFFD).
    const run = ["--json", "--max-output", "2", "--run", "printf 'a\\303\\251'"];
    const host = parseJson((await ws.sshping([...one, ...common.slice(1), ...run])).stdout)
      .hosts[0];
    expect(host?.stdout).toBe("a");
    expect(host?.truncated_bytes).toBe(2);
  }, 60_000);

  test("--group prints identical outputs once with the folded host list", async () => {
    const odd = fleet.hosts[0]?.address;
    const command = `set -- $SSH_CONNECTION; case $3 in ${odd}) echo odd one;; *) echo same; uname -s;; esac`;
    const result = await ws.sshping([...common, "--group", "--run", command]);
    expect(result.exitCode).toBe(0);
    const specs = hostSpecs(fleet);
    expect(result.stdout).toContain(`${foldHostNames(specs.slice(1))} (19 hosts, OK rc=0)\n`);
    expect(result.stdout).toContain(`${specs[0]} (1 host, OK rc=0)\n`);
    expect(result.stdout.match(/^same$/gm)).toHaveLength(1);
    expect(result.stdout.match(/^Linux$/gm)).toHaveLength(1);
    expect(result.stdout.match(/^odd one$/gm)).toHaveLength(1);
  }, 60_000);

  test("exit codes per failure kind: closed port and wrong key exit 4, retry file re-usable", async () => {
    const closed = await freePort("127.0.0.1");
    const okHost = hostSpecs(fleet)[0] ?? "";
    const retryFile = `${ws.dir}/retry.txt`;
    const wrongKey = `${fleet.dir}/host_ed25519`; // a valid private key the servers do not authorize
    const refused = await ws.sshping([
      okHost,
      `127.0.0.1:${closed}`,
      "-F",
      "none",
      "-k",
      fleet.clientKey,
      "--known-hosts",
      `${ws.dir}/known_hosts`,
      "--retries",
      "0",
      "--retry-file",
      retryFile,
    ]);
    expect(refused.exitCode).toBe(4);
    expect(refused.stdout).toContain(
      `127.0.0.1:${closed} | UNREACHABLE | connect to 127.0.0.1:${closed}: connection refused`,
    );
    expect(readFileSync(retryFile, "utf8")).toBe(`127.0.0.1:${closed}\n`);
    expect(refused.stdout).toContain(`not ok: 127.0.0.1:${closed}`);

    const again = await ws.sshping([`@${retryFile}`, "-F", "none", "--retries", "0", "--json"]);
    expect(parseJson(again.stdout).hosts.map((h) => h.host)).toEqual([`127.0.0.1:${closed}`]);

    const auth = await ws.sshping([
      okHost,
      "-F",
      "none",
      "-k",
      wrongKey,
      "--known-hosts",
      `${ws.dir}/known_hosts`,
      "--json",
    ]);
    expect(auth.exitCode).toBe(4);
    const [host] = parseJson(auth.stdout).hosts;
    expect(host).toMatchObject({ status: "auth_failed", attempts: 1 });
    expect(String(host?.error)).toContain(`authentication failed for user ${fleet.user}`);
  }, 60_000);

  test("--dry-run says what would run where and connects to nothing", async () => {
    const closed = await freePort("127.0.0.1");
    const result = await ws.sshping([
      `deploy@127.0.0.1:${closed}`,
      "-F",
      "none",
      "--run",
      "rm -rf /tmp/x",
      "--dry-run",
    ]);
    expect(result.exitCode).toBe(0); // a real run would have exited 4: nothing was contacted
    expect(result.stdout).toBe(
      `would run "rm -rf /tmp/x" on deploy@127.0.0.1:${closed} (deploy@127.0.0.1:${closed})\n`,
    );
  }, 60_000);

  test("usage errors exit 2 and name the input", async () => {
    const noHosts = await ws.sshping([]);
    expect(noHosts.exitCode).toBe(2);
    expect(noHosts.stderr).toContain("no hosts");
    const badRange = await ws.sshping(["web[9-1]"]);
    expect(badRange.exitCode).toBe(2);
    expect(badRange.stderr).toContain('host argument "web[9-1]"');
    const badInventory = await ws.sshping(["-i", `${ws.dir}/missing.ini`]);
    expect(badInventory.exitCode).toBe(2);
    expect(badInventory.stderr).toContain("missing.ini: no such file");
  }, 60_000);

  test("metrics: per host up and latency, per run totals", async () => {
    const textfile = `${ws.dir}/sshping.prom`;
    const closed = await freePort("127.0.0.1");
    const result = await ws.sshping([
      ...common,
      `127.0.0.1:${closed}`,
      "--retries",
      "0",
      "--metrics-textfile",
      textfile,
    ]);
    expect(result.exitCode).toBe(4);
    const metrics = readFileSync(textfile, "utf8");
    const okName = hostSpecs(fleet)[0];
    expect(metrics).toContain(`opsctl_sshping_host_up{host="${okName}",tool="sshping"} 1`);
    expect(metrics).toContain(
      `opsctl_sshping_host_up{host="127.0.0.1:${closed}",tool="sshping"} 0`,
    );
    expect(metrics).toMatch(
      new RegExp(
        `opsctl_sshping_host_latency_seconds\\{host="${okName?.replace(/[.]/g, "\\.")}",tool="sshping"\\} 0\\.\\d+`,
      ),
    );
    expect(metrics).toContain('opsctl_sshping_hosts{status="ok",tool="sshping"} 20');
    expect(metrics).toContain('opsctl_sshping_hosts{status="unreachable",tool="sshping"} 1');
  }, 60_000);

  test("the multi-call binary runs sshping too (opsctl sshping)", async () => {
    const bin = await compiledTool("opsctl");
    const { run } = await import("../helpers/compiled.ts");
    const result = await run(
      [bin, "sshping", ...common.slice(1), hostSpecs(fleet)[0] ?? "", "--json"],
      {
        env: { PATH: process.env.PATH ?? "", HOME: ws.home },
      },
    );
    expect(result.exitCode).toBe(0);
    expect(statusByHost(parseJson(result.stdout).hosts)).toEqual({
      [fleet.hosts[0]?.address ?? ""]: "ok",
    });
  }, 120_000);
});
