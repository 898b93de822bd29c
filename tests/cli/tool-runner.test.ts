/**
 * The shared CLI behaviour, checked on the fixture tool both under `bun run` and as the compiled
 * binary: they must behave the same.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compiledTool, run } from "../helpers/compiled.ts";

const root = resolve(import.meta.dir, "../..");
const fixture = join(root, "tests/fixtures/demo-tool.ts");
const modes: [string, () => string[]][] = [];
let binary = "";

beforeAll(async () => {
  binary = await compiledTool("demo", "tests/fixtures/demo-tool.ts");
}, 300_000);
modes.push(["bun run", () => [process.execPath, "run", fixture]]);
modes.push(["compiled", () => [binary]]);

function emptyDir(): string {
  return mkdtempSync(join(tmpdir(), "opsctl-cwd-"));
}

const baseEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" };

describe.each(modes)("%s", (_mode, command) => {
  test("--json document shape and exit 0", async () => {
    const result = await run([...command(), "a", "b", "--json", "--days", "3"], {
      cwd: emptyDir(),
      env: baseEnv,
    });
    expect(result.exitCode).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ days: 3, match: ["*.log"], items: ["a", "b"] });
    expect(doc.sources.days).toBe("flag");
  });

  test("logs go to stderr as JSON lines when stderr is not a terminal", async () => {
    const result = await run([...command(), "x"], { cwd: emptyDir(), env: baseEnv });
    expect(result.stdout).toBe("days=7 match=*.log items=1\n");
    const line = JSON.parse(result.stderr.trim().split("\n").at(-1) ?? "{}");
    expect(line).toMatchObject({ level: "info", msg: "demo finished", items: 1, tool: "logclean" });
  });

  test("exit codes: 1 failure, 2 usage, 2 bad value, 1 thrown error", async () => {
    const cwd = emptyDir();
    expect((await run([...command(), "--fail", "error"], { cwd, env: baseEnv })).exitCode).toBe(1);
    const usage = await run([...command(), "--fail", "usage"], { cwd, env: baseEnv });
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain("--fail usage: asked to fail with a usage error");
    const unknown = await run([...command(), "--no-such-flag"], { cwd, env: baseEnv });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("no-such-flag");
    const badValue = await run([...command(), "--days", "soon"], { cwd, env: baseEnv });
    expect(badValue.exitCode).toBe(2);
    expect(badValue.stderr).toContain('--days: "soon" is not a whole number');
    const thrown = await run([...command(), "--fail", "throw"], { cwd, env: baseEnv });
    expect(thrown.exitCode).toBe(1);
    expect(thrown.stderr.trim()).toBe("logclean: error: asked to throw");
    const debug = await run([...command(), "--fail", "throw", "--debug"], { cwd, env: baseEnv });
    expect(debug.stderr).toContain("at "); // the stack, only with --debug
  });

  test("stdout failing at the end (a full disk behind > file) is exit 1 naming it, no stack trace", async () => {
    const cwd = emptyDir();
    const [file, ...rest] = command();
    const quoted = [file, ...rest, "a", "--json"].map((word) => `'${word}'`).join(" ");
    const result = await run(["bash", "-c", `${quoted} > /dev/full`], { cwd, env: baseEnv });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("logclean: error: stdout: cannot write: ENOSPC");
    expect(result.stderr).not.toContain("    at ");
  });

  test("stdout failing mid-run (past the 64 KiB buffer) is named the same way", async () => {
    const cwd = emptyDir();
    // 20,000 items in the --json document: ~300 KiB, flushed while the tool runs.
    const script = '"$@" --json $(seq -f item-%g 20000) > /dev/full';
    const result = await run(["bash", "-c", script, "bash", ...command()], { cwd, env: baseEnv });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("logclean: error: stdout: cannot write: ENOSPC");
    expect(result.stderr).not.toContain("    at ");
  });

  test("a bad config file exits 2 naming the key and the file", async () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, "opsctl.yaml"), "logclean:\n  days: [1, 2]\n");
    const result = await run([...command()], { cwd, env: baseEnv });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `config file ${join(cwd, "opsctl.yaml")}: key "logclean.days" must be a whole number`,
    );
  });

  test("config file and env layering end to end", async () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, "opsctl.yaml"), "logclean:\n  days: 30\n  min-size: 1k\n");
    const fromFile = JSON.parse(
      (await run([...command(), "--json"], { cwd, env: baseEnv })).stdout,
    );
    expect(fromFile).toMatchObject({ days: 30, minSize: 1024 });
    const fromEnv = JSON.parse(
      (
        await run([...command(), "--json"], {
          cwd,
          env: { ...baseEnv, OPSCTL_LOGCLEAN_DAYS: "14" },
        })
      ).stdout,
    );
    expect(fromEnv.days).toBe(14);
    const fromFlag = JSON.parse(
      (
        await run([...command(), "--json", "--days=1"], {
          cwd,
          env: { ...baseEnv, OPSCTL_LOGCLEAN_DAYS: "14" },
        })
      ).stdout,
    );
    expect(fromFlag.days).toBe(1);
  });

  test("--version names version, commit, date and target", async () => {
    const result = await run([...command(), "--version"], { cwd: emptyDir(), env: baseEnv });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /^logclean \d+\.\d+\.\d+ \(commit [0-9a-f]{7,}(-dirty)?, built \S+, target \S+/,
    );
  });

  test("--help is plain text off a terminal and documents exit codes", async () => {
    const result = await run([...command(), "--help"], { cwd: emptyDir(), env: baseEnv });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain("\x1b[");
    expect(result.stdout).toContain("--days");
    expect(result.stdout).toContain("EXIT CODES");
  });

  test("SIGINT stops cleanly with exit 130", async () => {
    const proc = Bun.spawn([...command(), "--fail", "wait"], {
      cwd: emptyDir(),
      env: baseEnv,
      stdout: "pipe",
      stderr: "pipe",
    });
    await untilWaiting(proc.stderr);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
    expect(await new Response(proc.stdout).text()).toBe("stopped cleanly\n");
  });

  test("SIGTERM (cron, systemd, Kubernetes) stops cleanly with exit 143, not a success", async () => {
    const stopped = await stopWith("SIGTERM", [...command(), "--fail", "wait"]);
    expect(stopped.exitCode).toBe(143);
    expect(stopped.stdout).toBe("stopped cleanly\n");
    expect(stopped.prom).toContain('opsctl_last_exit_code{tool="logclean"} 143');
    expect(stopped.prom).not.toContain("opsctl_last_success_timestamp_seconds");
  });

  test("completion scripts for bash, zsh and fish", async () => {
    const bash = await run([...command(), "--completion", "bash"], { env: baseEnv });
    expect(bash.stdout).toContain("complete -o filenames -F");
    expect(bash.stdout).toContain("--days");
    const check = Bun.spawnSync(["bash", "-n"], { stdin: new Blob([bash.stdout]) });
    expect(check.exitCode).toBe(0);
    const fish = await run([...command(), "--completion", "fish"], { env: baseEnv });
    expect(fish.stdout).toContain("complete -c logclean");
    const zsh = await run([...command(), "--completion", "zsh"], { env: baseEnv });
    expect(zsh.stdout).toContain("bashcompinit");
  });
});

/** Starts a tool that waits to be stopped, sends it `signal`, collects its exit and metrics. */
async function stopWith(signal: NodeJS.Signals, command: string[]) {
  const prom = join(emptyDir(), "run.prom");
  const proc = Bun.spawn([...command, "--metrics-textfile", prom], {
    cwd: emptyDir(),
    env: baseEnv,
    stdout: "pipe",
    stderr: "pipe",
  });
  await untilWaiting(proc.stderr);
  proc.kill(signal);
  const exitCode = await proc.exited;
  return {
    exitCode,
    stdout: await new Response(proc.stdout).text(),
    prom: readFileSync(prom, "utf8"),
  };
}

describe("runs whose normal end is a stop signal (runsUntilStopped)", () => {
  const stopFixture = [process.execPath, "run", join(root, "tests/cli/stop-fixture.ts")];

  test("a daemon stopped by SIGTERM exits 0 and records a success", async () => {
    const stopped = await stopWith("SIGTERM", [...stopFixture, "--daemon"]);
    expect(stopped.exitCode).toBe(0);
    expect(stopped.stdout).toBe("stopped cleanly\n");
    expect(stopped.prom).toMatch(/^opsctl_last_success_timestamp_seconds\{[^}]*\} [1-9]/m);
  });

  test("Ctrl-C is still 130 for a daemon; SIGTERM is 143 for the same tool in batch mode", async () => {
    expect((await stopWith("SIGINT", [...stopFixture, "--daemon"])).exitCode).toBe(130);
    expect((await stopWith("SIGTERM", stopFixture)).exitCode).toBe(143);
  });
});

describe("compiled binary only", () => {
  test("runs from an empty directory with an empty environment (env -i)", async () => {
    const result = await run(["env", "-i", binary, "item", "--json"], { cwd: emptyDir() });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).items).toEqual(["item"]);
  });

  test("a .env or bunfig.toml in the working directory changes nothing", async () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, ".env"), "OPSCTL_LOGCLEAN_DAYS=99\nOPSCTL_DEMO_MARKER=leaked\n");
    writeFileSync(join(cwd, "bunfig.toml"), 'preload = ["./evil.ts"]\n');
    writeFileSync(join(cwd, "evil.ts"), 'console.log("EVIL");\n');
    const result = await run([binary, "--json"], { cwd, env: baseEnv });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain("EVIL");
    const doc = JSON.parse(result.stdout);
    expect(doc.days).toBe(7);
    expect(doc.envMarker).toBeNull();
  });
});

/** Reads the tool's stderr until it says it is waiting to be stopped (or the stream ends). */
async function untilWaiting(stderr: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stderr.getReader();
  let seen = "";
  while (!seen.includes("waiting")) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  reader.releaseLock();
}
