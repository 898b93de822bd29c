/**
 * A command that starts a child in a session of its own (setsid, a daemon's double fork) puts it
 * out of reach of the process-group kill; that child still holds the check's stdout and stderr.
 */
import { expect, test } from "bun:test";
import { readdirSync, readlinkSync } from "node:fs";
import { check, processesWith } from "./helpers.ts";

/** Bun gives a child its stdio over socket pairs, Node over pipes: both are counted. */
function pipeAndSocketDescriptors(): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      const link = readlinkSync(`/proc/self/fd/${fd}`);
      return link.startsWith("pipe:") || link.startsWith("socket:");
    } catch {
      return false; // the directory's own descriptor, closed by now
    }
  }).length;
}

test("the check's pipes are closed when it ends, even while an escaped child holds them", async () => {
  const marker = "53.1729";
  const before = pipeAndSocketDescriptors();
  try {
    for (let i = 0; i < 3; i++)
      await check("command", "", { command: `setsid sleep ${marker} & sleep 0.2; echo ok` }, "1s");
    expect(processesWith(`sleep ${marker}`).length).toBeGreaterThan(0); // the escape happened
    // Three runs left six pipe ends open (stdout and stderr each) for as long as the children lived.
    expect(pipeAndSocketDescriptors()).toBe(before);
  } finally {
    for (const line of processesWith(`sleep ${marker}`))
      process.kill(Number(line.trim().split(/\s+/)[0]), "SIGKILL");
  }
}, 15_000);
