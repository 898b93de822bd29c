// podpatrol's own flag checks, before anything talks to a cluster: the kubeconfig points at a
// port nothing listens on, so a flag that got through would end in exit 4 (unreachable) instead.
// Run as the compiled binary, as users run it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledTool, run } from "../helpers/compiled.ts";

let bin = "";
beforeAll(async () => {
  bin = await compiledTool("podpatrol");
}, 120_000);
const dir = mkdtempSync(join(tmpdir(), "podpatrol-command-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A kubeconfig in dir with one cluster and a token user (JSON is YAML). */
function writeKubeconfig(name: string, cluster: Record<string, unknown>, token: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster }],
      users: [{ name: "u", user: { token } }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    }),
  );
  return file;
}

const kubeconfig = writeKubeconfig("kubeconfig", { server: "https://127.0.0.1:1" }, "t");

const podpatrol = (...flags: string[]) =>
  run([bin, `--kubeconfig=${kubeconfig}`, "--listen=off", ...flags], {
    env: { PATH: process.env.PATH, HOME: dir },
  });

describe("podpatrol --lease-duration", () => {
  // The Lease's leaseDurationSeconds is a whole number above 0: the API server refuses 1.5 (400)
  // and 0 (422), and the replica then never leads and never acts, only logging warnings.
  for (const value of ["1.5s", "500ms", "0"]) {
    test(`${value} is a usage error naming the flag`, async () => {
      const result = await podpatrol(`--lease-duration=${value}`);
      expect(result.stderr).toContain("--lease-duration");
      expect(result.exitCode).toBe(2);
    }, 30_000);
  }

  test("whole seconds pass the check (and reach the unreachable server)", async () => {
    const result = await podpatrol("--lease-duration=20s");
    expect(result.stderr).toContain("unreachable");
    expect(result.exitCode).toBe(4);
  }, 30_000);

  test("not checked without leader election", async () => {
    const result = await podpatrol("--lease-duration=1.5s", "--no-leader-elect");
    expect(result.exitCode).toBe(4);
  }, 30_000);
});

describe("podpatrol start probe", () => {
  // An API server that refuses the credentials (plain HTTP here, so no TLS setup is needed).
  const refusing = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () =>
      Response.json(
        { kind: "Status", status: "Failure", reason: "Unauthorized", code: 401 },
        { status: 401 },
      ),
  });
  afterAll(() => refusing.stop(true));

  test("refused credentials: the error names the API server, exit 1", async () => {
    const server = `http://127.0.0.1:${refusing.port}`;
    const file = writeKubeconfig(
      "refused-kubeconfig",
      { server, "insecure-skip-tls-verify": true },
      "expired",
    );
    const result = await run([bin, `--kubeconfig=${file}`, "--listen=off", "--no-leader-elect"], {
      env: { PATH: process.env.PATH, HOME: dir },
    });
    expect(result.stderr).toContain(server);
    expect(result.stderr).toContain("401");
    expect(result.exitCode).toBe(1);
  }, 30_000);
});

describe("podpatrol SIGHUP while starting", () => {
  // The start probe can wait up to 10 s for the API server; a config reload sent meanwhile (a
  // ConfigMap update, logrotate-style scripts) must not kill the process, as SIGHUP's default does.
  let arrived: () => void = () => {};
  let answer: () => void = () => {};
  const probeSeen = new Promise<void>((r) => {
    arrived = r;
  });
  const released = new Promise<void>((r) => {
    answer = r;
  });
  const slow = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch() {
      arrived();
      await released;
      return Response.json({ kind: "Status", code: 401 }, { status: 401 });
    },
  });
  afterAll(() => slow.stop(true));

  test("a SIGHUP during the start probe is not fatal; the start goes on", async () => {
    const file = writeKubeconfig(
      "slow-kubeconfig",
      { server: `http://127.0.0.1:${slow.port}`, "insecure-skip-tls-verify": true },
      "t",
    );
    const proc = Bun.spawn([bin, `--kubeconfig=${file}`, "--listen=off", "--no-leader-elect"], {
      env: { PATH: process.env.PATH ?? "", HOME: dir },
      stdout: "pipe",
      stderr: "pipe",
    });
    await probeSeen;
    proc.kill("SIGHUP");
    answer();
    const [exitCode, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect(proc.signalCode).toBeNull();
    // It went on to the probe's answer (401 here: refused credentials, exit 1).
    expect(stderr).toContain("refused the credentials");
    expect(exitCode).toBe(1);
  }, 30_000);
});

describe("podpatrol with a kubeconfig that cannot work", () => {
  // A CA file that is not there was reported as "API server ... unreachable" (exit 4), as if the
  // network were down; it is a config error naming the file and the key.
  test("a missing certificate-authority file: exit 2 naming it", async () => {
    const ca = join(dir, "missing-ca.crt");
    const file = writeKubeconfig(
      "missing-ca-kubeconfig",
      { server: "https://127.0.0.1:1", "certificate-authority": ca },
      "t",
    );
    const result = await run([bin, `--kubeconfig=${file}`, "--listen=off"], {
      env: { PATH: process.env.PATH, HOME: dir },
    });
    expect(result.stderr).toContain(`certificate-authority ${ca}: no such file`);
    expect(result.stderr).not.toContain("unreachable");
    expect(result.exitCode).toBe(2);
  }, 30_000);
});
