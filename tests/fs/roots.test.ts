/** Which of logclean's roots are walked: each directory once, and none dropped that the others miss. */
import { describe, expect, test } from "bun:test";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { checkRoot, distinctRoots, type RootCheck } from "../../lib/fs/clean/roots.ts";
import { dir, tempDir } from "./tree.ts";

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

describe("checkRoot", () => {
  test("/home is refused by its real path too when it is a symlink (/home -> /var/home)", () => {
    const base = tempDir("homes");
    const varHome = dir(join(base, "var", "home"));
    const home = join(base, "home");
    symlinkSync(varHome, home);
    const policy = { force: false, home: undefined, mountPoints: new Set<string>(), cwd: "/" };
    for (const given of [varHome, `${varHome}/`, home, `${base}/var/./home`])
      expect(() => checkRoot(given, { ...policy, homes: home })).toThrow(/refusing to clean/);
    expect(checkRoot(varHome, { ...policy, homes: home, force: true }).real).toBe(varHome);
    expect(checkRoot(dir(join(varHome, "alice", "logs")), { ...policy, homes: home }).real).toBe(
      join(varHome, "alice", "logs"),
    );
  });
});
