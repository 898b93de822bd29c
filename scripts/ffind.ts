import { isMainThread } from "node:worker_threads";
import { runTool } from "../lib/cli/run-tool.ts";
import { defineTool } from "../lib/cli/types.ts";
import { workerUrlFor } from "../lib/cli/worker-entry.ts";
import { serveLazily, type WorkerHandler } from "../lib/cli/worker-serve.ts";
import { ffindOptions } from "../lib/fs/find-options.ts";

export const ffind = defineTool({
  name: "ffind",
  description: "Find files in parallel: find | grep | wc -l in one process",
  positionals: {
    name: "DIR",
    description: "Directories to search (default: the current directory)",
    variadic: true,
  },
  options: ffindOptions,
  exitCodes: { 1: "some paths could not be read (reported on stderr); matches still printed" },
  examples: [
    "ffind /var/log --name '*.log' --count",
    "ffind /srv --name '*.log' --older-than 7d --larger-than 100M --json",
    "ffind . --type f --name '*.tmp' -0 | xargs -0 rm --",
  ],
  async run(ctx) {
    // The engine loads here, not at start: --version and --help stay light.
    const { runFfind } = await import("../lib/fs/find-command.ts");
    // Walker Workers restart this module, or opsctl inside the multi-call binary.
    return runFfind(ctx, workerUrlFor(import.meta));
  },
});

export default ffind;

if (!isMainThread)
  serveLazily(
    async () => (await import("../lib/fs/find-worker.ts")).handleFindJob as WorkerHandler,
  );
else if (import.meta.main) process.exit(await runTool(ffind, { argv: process.argv.slice(2) }));
