/**
 * The compiled exporter held up while starting (its checks file is a FIFO nobody writes yet): a
 * SIGHUP then (a `systemctl reload` right after a start) used to kill it, SIGHUP's default
 * action; it is held and the configuration reloaded once the daemon serves.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../env/service.ts";
import { compiledTool } from "../helpers/compiled.ts";
import { waitUntil } from "../helpers/wait-until.ts";
import { scratchDir } from "./scratch.ts";

test("a SIGHUP while the exporter starts is held, not fatal: the config is reloaded once it serves", async () => {
  const bin = await compiledTool("exporter");
  const dir = scratchDir("exporter-sighup");
  const port = await freePort();
  const fifo = join(dir, "checks.fifo");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  const checks = (name: string) => `checks:\n  - { name: ${name}, kind: file, target: "${dir}" }\n`;
  /** Writes the FIFO from another process: the write waits for the exporter to open it. */
  const feeders: ReturnType<typeof Bun.spawn>[] = [];
  const feed = (text: string) => {
    const writer = Bun.spawn(["sh", "-c", 'printf "%s" "$0" > "$1"', text, fifo]);
    feeders.push(writer);
    return writer;
  };
  const proc = Bun.spawn([bin, "--checks-file", fifo, "--listen-address", `127.0.0.1:${port}`], {
    stdout: "ignore",
    stderr: "ignore",
  });
  try {
    /** The exporter catches SIGHUP: bit 0 of /proc's SigCgt mask. */
    const catchesHangup = () => {
      const mask = /^SigCgt:\s+([0-9a-f]+)$/m.exec(
        readFileSync(`/proc/${proc.pid}/status`, "utf8"),
      );
      return mask !== null && (BigInt(`0x${mask[1]}`) & 1n) !== 0n;
    };
    // Its config read waits for a writer: it is starting, not listening yet.
    await waitUntil("the exporter to hold SIGHUP while it starts", catchesHangup, 30_000, 25);
    proc.kill("SIGHUP");
    await feed(checks("first")).exited;
    // The held SIGHUP reloads: the file is read a second time.
    await feed(checks("second")).exited;
    const names = async () =>
      (
        (await fetch(`http://127.0.0.1:${port}/checks`).then(
          (r) => r.json(),
          () => [],
        )) as { name: string }[]
      ).map((check) => check.name);
    await waitUntil("the reloaded check", async () => (await names())[0] === "second", 30_000);
    expect(proc.exitCode).toBeNull();
  } finally {
    // SIGKILL: an exporter that failed this test may still wait in its read of the FIFO.
    proc.kill("SIGKILL");
    for (const writer of feeders) writer.kill("SIGKILL");
    await proc.exited;
  }
}, 120_000);
