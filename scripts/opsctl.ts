import { isMainThread } from "node:worker_threads";
import { runMulticall, type ToolTable } from "../lib/cli/multicall.ts";
import { setWorkerEntry } from "../lib/cli/worker-entry.ts";
import { installedHandler, serveLazily, type WorkerHandler } from "../lib/cli/worker-serve.ts";
import { workerFlags } from "../lib/fs/worker-flags.ts";

/** Every tool, loaded only when called, so `opsctl --version` pays for none of them. */
export const tools: ToolTable = {
  exporter: () => import("./exporter.ts"),
  ffind: () => import("./ffind.ts"),
  logclean: () => import("./logclean.ts"),
  nginxlog: () => import("./nginxlog.ts"),
  podpatrol: () => import("./podpatrol.ts"),
  sshping: () => import("./sshping.ts"),
};

if (!isMainThread) {
  // A Worker started by a tool: this binary's entry is opsctl, so opsctl serves it.
  serveLazily(async (): Promise<WorkerHandler> => {
    if (process.argv.includes(workerFlags.remove))
      return (await import("../lib/fs/clean/remove-worker.ts")).handleRemoveJob as WorkerHandler;
    if (process.argv.includes(workerFlags.find))
      return (await import("../lib/fs/find-worker.ts")).handleFindJob as WorkerHandler;
    return installedHandler((await import("../lib/nginx/worker.ts")).serveRangeWorker);
  });
} else if (import.meta.main) {
  setWorkerEntry(import.meta.url);
  process.exit(await runMulticall({ tools, argv0: process.argv0, argv: process.argv.slice(2) }));
}
