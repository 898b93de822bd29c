/** logclean's engine options for a test: one root checked as the tool checks it, *.log older than 7 days. */
import type { CleanOptions } from "../../lib/fs/clean/clean.ts";
import { checkRoot } from "../../lib/fs/clean/roots.ts";
import { readMountPoints } from "../../lib/fs/mounts.ts";

export function cleanOptions(root: string, extra: Partial<CleanOptions> = {}): CleanOptions {
  const mountPoints = readMountPoints();
  return {
    roots: [checkRoot(root, { force: false, home: "/nonexistent", mountPoints, cwd: "/" })],
    days: 7,
    match: ["*.log"],
    exclude: [],
    now: Date.now(),
    crossDevices: false,
    mountPoints,
    dryRun: false,
    ...extra,
  };
}
