import { isMainThread } from "node:worker_threads";
import { runMulticall, type ToolTable } from "../lib/cli/multicall.ts";
import { removeWorkerFlag } from "../lib/fs/clean/remove-worker-flag.ts";
import { setWorkerEntry } from "../lib/nginx/worker-entry.ts";

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
  // A Worker started by logclean or nginxlog: this binary's entry is opsctl, so opsctl serves it.
  if (process.argv.includes(removeWorkerFlag))
    (await import("../lib/fs/clean/remove-worker.ts")).serveRemoveWorker();
  else (await import("../lib/nginx/worker.ts")).serveRangeWorker();
} else if (import.meta.main) {
  setWorkerEntry(import.meta.url);
  process.exit(await runMulticall({ tools, argv0: process.argv0, argv: process.argv.slice(2) }));
}
