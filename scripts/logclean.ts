import { isMainThread } from "node:worker_threads";
import { runTool } from "../lib/cli/run-tool.ts";
import { defineTool } from "../lib/cli/types.ts";
import { workerUrlFor } from "../lib/cli/worker-entry.ts";
import { serveLazily, type WorkerHandler } from "../lib/cli/worker-serve.ts";
import { logcleanOptions } from "../lib/fs/clean/options.ts";

export const logclean = defineTool({
  name: "logclean",
  description: "Delete (or gzip) old log files safely, from cron",
  positionals: { name: "DIR", description: "Directories to clean", variadic: true, required: true },
  options: logcleanOptions,
  exitCodes: { 1: "something failed (reported per path), or --max-delete stopped the run" },
  examples: [
    "logclean /var/log/myapp --days 14",
    "logclean /srv/logs --match '*.log' --match '*.log.*.gz' --compress-after 1 --days 30",
    "logclean /var/log/app --days 7 --keep-newest 3 --max-delete 1000 --dry-run",
  ],
  async run(ctx) {
    // The engine loads here, not at start: --version and --help stay light.
    const { runLogclean } = await import("../lib/fs/clean/command.ts");
    // Deletions run on a Worker that restarts this module (or opsctl, inside the multi-call binary).
    return runLogclean(ctx, workerUrlFor(import.meta));
  },
});

export default logclean;

if (!isMainThread)
  serveLazily(
    async () => (await import("../lib/fs/clean/remove-worker.ts")).handleRemoveJob as WorkerHandler,
  );
else if (import.meta.main) process.exit(await runTool(logclean, { argv: process.argv.slice(2) }));
