/**
 * The argv flags lib/fs Workers are started with: the tool's own entry module is started again
 * (self-spawning) and an entry checks these to know which job it serves. A module of its own so
 * entries can check them without loading the engines.
 */
export const workerFlags = {
  /** logclean's deletions (lib/fs/clean/remove-worker.ts). */
  remove: "--opsctl-worker=fs-remove",
  /** ffind's subtrees (lib/fs/find-worker.ts). */
  find: "--opsctl-worker=fs-find",
} as const;
