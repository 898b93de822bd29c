/** --retry-file that cannot be written: said on stderr, and the exit code still tells what the hosts did. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTool } from "../../lib/cli/run-tool.ts";
import { sshping } from "../../scripts/sshping.ts";
import { freePort } from "../env/service.ts";

describe("sshping --retry-file", () => {
  test("an unwritable retry file does not turn 'host unreachable' (4) into 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sshping-retry-"));
    const closed = await freePort("127.0.0.1");
    const code = await runTool(sshping, {
      argv: [
        `127.0.0.1:${closed}`,
        "-F",
        "none",
        "--known-hosts",
        join(dir, "known_hosts"),
        "--retries",
        "0",
        "--retry-file",
        join(dir, "missing-dir", "retry.txt"),
      ],
      env: { HOME: dir },
      cwd: dir,
    });
    expect(code).toBe(4);
  });
});
