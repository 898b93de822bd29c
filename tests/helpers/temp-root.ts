/**
 * Preloaded by bun test (bunfig.toml): every test process gets a temp root of its own, set as
 * TMPDIR so each tmpdir() of the tests lands in it, and removed after the last test file.
 *
 * bun test runs no process 'exit' hooks, and one full run writes gigabytes (compiled binaries,
 * every cross-compiled target, copies for the unprivileged-user tests): left in /tmp, they filled
 * the disk of a machine that runs the suite again and again. A root whose test process is gone
 * (killed mid-run) is removed when the next run starts.
 */
import { afterAll } from "bun:test";
import { chmodSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const PREFIX = "opsctl-test-run-";
const systemTmp = process.env.TMPDIR ?? "/tmp";

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

for (const name of readdirSync(systemTmp)) {
  if (!name.startsWith(PREFIX)) continue;
  if (!isAlive(Number(name.slice(PREFIX.length)))) {
    rmSync(join(systemTmp, name), { recursive: true, force: true });
  }
}

const root = join(systemTmp, `${PREFIX}${process.pid}`);
mkdirSync(root, { recursive: true });
// World-traversable: some tests run the binaries as nobody inside dirs made here.
chmodSync(root, 0o755);
process.env.TMPDIR = root;

afterAll(() => {
  // OPSCTL_K8S_KEEP=1 keeps a cluster's files for a post-mortem: they live here too.
  if (process.env.OPSCTL_K8S_KEEP === "1") return;
  rmSync(root, { recursive: true, force: true });
});
