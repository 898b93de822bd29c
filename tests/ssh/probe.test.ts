import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ConnectionPlan,
  type PlanDefaults,
  parseHostSpec,
  parseSshConfig,
  planTarget,
  probeHost,
  probeOptions,
} from "../../lib/ssh/index.ts";
import { type SshdFleet, sharedSshdFleet, startTarpit } from "../env/sshd.ts";

let fleet: SshdFleet;
let defaults: PlanDefaults;

beforeAll(async () => {
  fleet = await sharedSshdFleet("sshping", { count: 20 });
  const dir = mkdtempSync(join(tmpdir(), "sshping-probe-"));
  const knownHosts = join(dir, "known_hosts");
  writeFileSync(knownHosts, `${fleet.knownHostsLines().join("\n")}\n`);
  defaults = {
    home: dir,
    localUser: fleet.user,
    identityFiles: [fleet.clientKey],
    knownHostsFiles: [knownHosts],
    defaultConnectTimeoutMs: 5000,
    defaultKeepaliveIntervalMs: 15000,
  };
}, 60_000);

function plan(spec: string): ConnectionPlan {
  return planTarget(parseHostSpec(spec), parseSshConfig("", "none", "/nonexistent"), defaults);
}

describe("probeHost, the library the exporter reuses", () => {
  test("login and a command on a real sshd", async () => {
    const host = fleet.hosts[5];
    const result = await probeHost(
      plan(`${fleet.user}@${host?.address}:${host?.port}`),
      probeOptions({ command: "echo $USER" }),
      new AbortController().signal,
    );
    expect(result).toMatchObject({
      status: "ok",
      exitCode: 0,
      stdout: `${fleet.user}\n`,
      attempts: 1,
    });
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(result.serverVersion).toContain("OpenSSH");
  }, 30_000);

  test("an abort signal ends a hanging probe at once, as cancelled", async () => {
    const tarpit = await startTarpit("127.0.0.1");
    const controller = new AbortController();
    const pending = probeHost(
      plan(`127.0.0.1:${tarpit.port}`),
      probeOptions({ handshakeTimeoutMs: 60_000 }),
      controller.signal,
    );
    setTimeout(() => controller.abort(), 200);
    const result = await pending;
    tarpit.close();
    expect(result).toMatchObject({ status: "cancelled", error: "cancelled" });
  }, 10_000);
});
