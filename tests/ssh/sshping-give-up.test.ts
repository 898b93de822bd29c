/**
 * sshping giving up on a running command (--timeout, SIGTERM): the output the host had sent is
 * kept and marked incomplete, and the remote process is ended, not left running on the host.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SshdFleet, sharedSshdFleet } from "../env/sshd.ts";
import { compiledTool } from "../helpers/compiled.ts";
import { ended, running } from "../helpers/process-ended.ts";
import { hostSpecs, parseJson, type Workspace, workspace } from "./sshping-helpers.ts";

let fleet: SshdFleet;
let ws: Workspace;
let common: string[];
/** The temp dirs of the remote commands a test started, each with the pid file. */
const remoteDirs: string[] = [];

beforeAll(async () => {
  [fleet] = await Promise.all([sharedSshdFleet("sshping", { count: 20 }), compiledTool("sshping")]);
  ws = workspace();
  const knownHosts = ws.file("known_hosts", `${fleet.knownHostsLines().join("\n")}\n`);
  common = [
    hostSpecs(fleet)[0] ?? "",
    "-F",
    "none",
    "-k",
    fleet.clientKey,
    "--known-hosts",
    knownHosts,
  ];
}, 60_000);

// Whatever a test asserted (or failed to), nothing it started on the "remote" host outlives it.
afterEach(() => {
  for (const dir of remoteDirs.splice(0)) {
    const pid = readPid(join(dir, "pid"));
    if (pid !== undefined && running(pid)) process.kill(pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A remote command that prints (by default a line on each stream), writes its pid, then sleeps as
 * that pid (exec, so sshd is its parent and reaps it). Returns the command and where the pid lands.
 */
function sleeper(output = "echo partial out; echo partial err >&2"): {
  command: string;
  pidFile: string;
} {
  // Not under ws.dir (0700): the login user may not be us (tests/env/sshd.ts under root).
  const dir = mkdtempSync(join(tmpdir(), "sshping-remote-"));
  chmodSync(dir, 0o777);
  remoteDirs.push(dir);
  const pidFile = join(dir, "pid");
  return {
    command: `${output}; echo $$ > ${pidFile}.new && mv ${pidFile}.new ${pidFile}; exec sleep 120`,
    pidFile,
  };
}

function readPid(pidFile: string): number | undefined {
  return existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").trim()) : undefined;
}

/** The remote command's pid, once it has written it. */
function remotePid(pidFile: string): number {
  const pid = readPid(pidFile);
  if (pid === undefined) throw new Error(`the remote command never wrote ${pidFile}`);
  return pid;
}

/** The compiled sshping running `command` (longer than it waits) with --timeout 2s and `options`. */
function runTimingOut(command: string, ...options: string[]) {
  return ws.sshping([...common, "--run", command, "--timeout", "2s", ...options]);
}

describe("sshping giving up on a command", () => {
  test("--timeout: the output received is kept (--json), marked incomplete, and the remote process ends", async () => {
    const remote = sleeper();
    const result = await runTimingOut(remote.command, "--json");
    expect(result.exitCode).toBe(1);
    const [host] = parseJson(result.stdout).hosts;
    expect(host).toMatchObject({
      status: "failed",
      phase: "command",
      error: "command timed out after 2s",
      stdout: "partial out\n",
      stderr: "partial err\n",
      output_incomplete: true,
    });
    expect(host?.exit_code).toBeUndefined();
    expect(await ended(remotePid(remote.pidFile))).toBe(true);
  }, 30_000);

  test("--timeout: output that stops inside a UTF-8 character keeps the whole characters before it", async () => {
    // "caf" then the first byte of "é" (0xc3): the rest of it never comes.
    const remote = sleeper("printf 'caf\\303'");
    const result = await runTimingOut(remote.command, "--json");
    expect(result.exitCode).toBe(1);
    const [host] = parseJson(result.stdout).hosts;
    expect(host).toMatchObject({ stdout: "caf", stderr: "", output_incomplete: true });
    expect(await ended(remotePid(remote.pidFile))).toBe(true);
  }, 30_000);

  test("--timeout in text output: the host's output follows its line, then the incomplete notice", async () => {
    const remote = sleeper();
    const result = await runTimingOut(remote.command);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      new RegExp(
        `^${hostSpecs(fleet)[0]} \\| FAILED \\| [\\d.]+ m?s \\| command timed out after 2s >>\npartial out\npartial err\n\\[output incomplete: command timed out after 2s\\]\n`,
      ),
    );
    expect(await ended(remotePid(remote.pidFile))).toBe(true);
  }, 30_000);

  test("--timeout with --group: the incomplete output is grouped with its notice", async () => {
    const remote = sleeper();
    const result = await runTimingOut(remote.command, "--group");
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`${hostSpecs(fleet)[0]} (1 host, FAILED)\n`);
    expect(result.stdout).toContain(
      "partial out\npartial err\n[output incomplete: command timed out after 2s]\n",
    );
    expect(await ended(remotePid(remote.pidFile))).toBe(true);
  }, 30_000);

  test("SIGTERM: the output received is kept and marked incomplete, and the remote process ends", async () => {
    const remote = sleeper();
    const proc = await ws.spawn([...common, "--run", remote.command, "--json"]);
    while (!existsSync(remote.pidFile) && proc.exitCode === null) await Bun.sleep(20);
    const pid = remotePid(remote.pidFile);
    // The lines were written before the pid file; give them a moment to reach sshping.
    await Bun.sleep(500);
    proc.kill("SIGTERM");
    const [code, stdout] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
    expect(code).toBe(143);
    const [host] = parseJson(stdout).hosts;
    expect(host).toMatchObject({
      status: "cancelled",
      phase: "command",
      error: "cancelled",
      stdout: "partial out\n",
      stderr: "partial err\n",
      output_incomplete: true,
    });
    expect(await ended(pid)).toBe(true);
  }, 30_000);
});
