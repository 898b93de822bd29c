/** Flags that bound every host's attempt: a deadline that fires at once is a usage error, not N failed hosts. */
import { describe, expect, test } from "bun:test";
import { retryDelayMs } from "../../lib/ssh/probe.ts";
import { workspace } from "./sshping-helpers.ts";

const ws = workspace();
// --dry-run connects to nothing: the flags are checked all the same.
const dryRun = (...flags: string[]) =>
  ws.sshping(["127.0.0.1:22", "-F", "none", "--dry-run", ...flags]);

describe("sshping deadline flags", () => {
  test("valid deadlines are accepted", async () => {
    const result = await dryRun(
      "--connect-timeout",
      "2s",
      "--handshake-timeout",
      "500ms",
      "--timeout",
      "1",
    );
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
  }, 60_000);

  for (const flag of ["--connect-timeout", "--handshake-timeout", "--timeout"]) {
    test(`${flag} 0 is a usage error naming the flag`, async () => {
      const result = await dryRun(flag, "0");
      expect(result.stderr).toContain(`${flag} must be more than zero`);
      expect(result.exitCode).toBe(2);
    }, 60_000);
  }

  test("a negative or infinite deadline from the config file too", async () => {
    const negative = ws.file("negative.yml", "sshping:\n  timeout: -1\n");
    const result = await dryRun("--config", negative);
    // Refused where the config file is read, naming the file's key.
    expect(result.stderr).toContain('key "sshping.timeout" must be a duration of 0 or more');
    expect(result.exitCode).toBe(2);
    const infinite = ws.file("infinite.yml", "sshping:\n  handshake-timeout: .inf\n");
    const forever = await dryRun("--config", infinite);
    expect(forever.stderr).toContain(
      'key "sshping.handshake-timeout" must be a duration of 0 or more',
    );
    expect(forever.exitCode).toBe(2);
    const zero = ws.file("zero.yml", "sshping:\n  connect-timeout: 0\n");
    const instant = await dryRun("--config", zero);
    expect(instant.stderr).toContain("--connect-timeout must be more than zero");
    expect(instant.exitCode).toBe(2);
  }, 60_000);

  test("a deadline longer than a timer can wait (24.8 days) is refused: it would fire at once", async () => {
    const result = await dryRun("--timeout", "30d");
    expect(result.stderr).toContain("--timeout must be at most 24d");
    expect(result.exitCode).toBe(2);
  }, 60_000);

  test("--keepalive: 0 disables it (ServerAliveInterval 0); over 24.8 days or negative is refused", async () => {
    const off = await dryRun("--keepalive", "0");
    expect(off.stderr).toBe("");
    expect(off.exitCode).toBe(0);
    const long = await dryRun("--keepalive", "30d");
    expect(long.stderr).toContain("--keepalive must be at most 24d");
    expect(long.exitCode).toBe(2);
    const negative = await dryRun("--keepalive=-5s");
    expect(negative.stderr).toContain("--keepalive");
    expect(negative.exitCode).toBe(2);
  }, 60_000);

  test("--retry-backoff over 24.8 days is refused; doubling it stops at what a timer can wait", async () => {
    const long = await dryRun("--retry-backoff", "30d");
    expect(long.stderr).toContain("--retry-backoff must be at most 24d");
    expect(long.exitCode).toBe(2);
    // 20 days doubled twice would be 80: a timer past 24.8 days fires at once.
    expect(retryDelayMs(20 * 86_400_000, 3, 0.5)).toBe(2_147_483_000);
    expect(retryDelayMs(500, 3, 0.5)).toBe(2000);
  }, 60_000);
});
