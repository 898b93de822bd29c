/** logclean's flags: data only, so `logclean --version` and `--help` load no engine. */

export const logcleanOptions = {
  days: {
    type: "integer",
    default: 7,
    min: 0,
    description: "Delete logs modified more than N days ago",
    valueHint: "N",
  },
  match: {
    type: "list",
    default: ["*.log"],
    description: "Glob on file names to treat as logs (repeatable, e.g. '*.log.[0-9]*')",
  },
  exclude: { type: "list", description: "Glob on file names never to touch (repeatable)" },
  minSize: { type: "size", description: "Only files of at least SIZE" },
  keepNewest: {
    type: "integer",
    min: 0,
    description: "Always keep the N newest logs of each directory",
    valueHint: "N",
  },
  compressAfter: {
    type: "integer",
    min: 0,
    description: "gzip logs older than N days (atomically); delete them after --days",
    valueHint: "N",
  },
  maxDelete: {
    type: "integer",
    min: 0,
    description: "If more than N files would be deleted, delete none and exit 1",
    valueHint: "N",
  },
  dryRun: { type: "boolean", description: "Print what would be done; change nothing" },
  crossDevices: {
    type: "boolean",
    description: "Descend into other filesystems and mount points",
  },
  threads: {
    type: "integer",
    default: 4,
    min: 1,
    max: 256,
    description: "Threads walking and deleting at once on Linux (1: gentlest on a busy disk)",
    valueHint: "N",
  },
  force: { type: "boolean", description: "Allow /, /home, $HOME or a filesystem root as DIR" },
} as const;
