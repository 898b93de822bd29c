/**
 * The wall clock can step back (NTP correcting a VM resumed from suspend, an operator's `date -s`):
 * the exporter's waits are measured on the monotonic clock, so a step changes no interval.
 */
import { afterEach, expect, setSystemTime, test } from "bun:test";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { processCheck } from "../../lib/exporter/checks/process.ts";
import { Scheduler } from "../../lib/exporter/scheduler.ts";
import { ResultStore } from "../../lib/exporter/store.ts";
import { checkSpec, detail, quietLog } from "./helpers.ts";
import { scratchDir } from "./scratch.ts";

const hourMs = 3_600_000;

afterEach(() => setSystemTime());

test("a clock stepped back an hour during a run does not delay the next run by an hour", async () => {
  const dir = scratchDir("exporter-clock");
  const spec = { ...checkSpec("file", dir), interval: 0.2, timeout: 0.2 };
  const store = new ResultStore();
  store.useChecks([spec]);
  let runs = 0;
  let second: () => void = () => {};
  const secondRun = new Promise<void>((resolve) => {
    second = resolve;
  });
  const scheduler = new Scheduler([spec], store, quietLog, 1, () => {
    runs++;
    // The step lands while the first run is finishing, after its start was taken.
    if (runs === 1) setSystemTime(new Date(Date.now() - hourMs));
    if (runs === 2) second();
  });
  scheduler.start();
  try {
    await Promise.race([secondRun, Bun.sleep(3000)]);
    expect(runs).toBeGreaterThanOrEqual(2);
  } finally {
    scheduler.stop();
  }
}, 10_000);

test("a clock stepped back does not freeze the process table a process check sees", async () => {
  const dir = scratchDir("exporter-clock-proc");
  // A copy of sleep under a name of its own (comm is the file's name): nothing else matches it.
  const name = `clk${process.pid % 100000}`;
  const program = join(dir, name);
  copyFileSync(Bun.which("sleep") as string, program);
  Bun.spawnSync(["chmod", "755", program]);
  const settings = processCheck.parse({ min_count: 0 }, "test");
  const run = async () => {
    const spec = { ...checkSpec("process", name), settings };
    const { runCheck } = await import("../../lib/exporter/run-check.ts");
    return runCheck(spec, name, { log: quietLog });
  };
  expect(detail(await run(), "process_matches")).toBe(0);
  setSystemTime(new Date(Date.now() - hourMs));
  const child = Bun.spawn([program, "30"]);
  try {
    await Bun.sleep(1100); // past the one second a /proc scan is shared for
    expect(detail(await run(), "process_matches")).toBe(1);
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
});
