/** Which of logclean's roots are walked: each directory once, and none dropped that the others miss. */
import { describe, expect, test } from "bun:test";
import { distinctRoots, type RootCheck } from "../../lib/fs/clean/roots.ts";

const root = (real: string, dev = 1): RootCheck => ({ real, given: real, dev, ino: real.length });
const reals = (roots: RootCheck[]) => roots.map((r) => r.real).sort();
const walk = { crossDevices: false, mountPoints: new Set<string>() };

describe("distinctRoots", () => {
  test("a repeated root or one below another on the same filesystem is walked once", () => {
    const kept = distinctRoots([root("/logs/app"), root("/logs"), root("/logs/")], walk);
    expect(reals(kept)).toEqual(["/logs"]);
    expect(reals(distinctRoots([root("/logs"), root("/logs2")], walk))).toEqual([
      "/logs",
      "/logs2",
    ]);
  });

  test("a root below a mount point (or on another device) is kept: the outer walk stops there", () => {
    const mounted = { crossDevices: false, mountPoints: new Set(["/logs/volume"]) };
    expect(reals(distinctRoots([root("/logs"), root("/logs/volume/app")], mounted))).toEqual([
      "/logs",
      "/logs/volume/app",
    ]);
    expect(reals(distinctRoots([root("/logs"), root("/logs/other", 2)], walk))).toEqual([
      "/logs",
      "/logs/other",
    ]);
    // --cross-devices: the outer walk goes everywhere below it.
    const crossing = { crossDevices: true, mountPoints: mounted.mountPoints };
    expect(reals(distinctRoots([root("/logs"), root("/logs/volume/app", 2)], crossing))).toEqual([
      "/logs",
    ]);
  });
});
