/** ffind's flags: data only, so `ffind --version` and `--help` load no engine. */
import { availableParallelism } from "node:os";

export const ffindOptions = {
  name: { type: "list", description: "Glob on the file name, like find -name (repeatable: any)" },
  regex: { type: "string", description: "Regular expression on the file name", valueHint: "RE" },
  type: { type: "enum", choices: ["f", "d", "l"], description: "f file, d directory, l symlink" },
  newerThan: { type: "duration", description: "Modified less than DUR ago (7d, 12h)" },
  olderThan: { type: "duration", description: "Modified more than DUR ago" },
  largerThan: { type: "size", description: "Bigger than SIZE (10M, 1GiB)" },
  smallerThan: { type: "size", description: "Smaller than SIZE" },
  maxDepth: { type: "integer", min: 0, description: "Descend at most N levels (1: DIR's entries)" },
  hidden: { type: "boolean", description: "Include names starting with a dot" },
  follow: { type: "boolean", description: "Follow symlinks (loops are detected and skipped)" },
  count: { type: "boolean", description: "Print only the number of matches" },
  null: { type: "boolean", short: "0", description: "End paths with NUL (for xargs -0)" },
  sort: { type: "boolean", description: "Print paths sorted byte-wise (waits for the walk)" },
  concurrency: {
    type: "integer",
    default: 16,
    min: 1,
    description: "Directories read at the same time (without the native Linux walk)",
    valueHint: "N",
  },
  threads: {
    type: "integer",
    default: Math.min(4, availableParallelism()),
    min: 1,
    max: 256,
    description: "Threads walking at once on Linux (1: one thread only)",
    valueHint: "N",
  },
  shareAfter: {
    type: "integer",
    default: 4096,
    min: 0,
    description: "Directories read on one thread before the other --threads (Workers) start",
    valueHint: "N",
  },
} as const;
