import { isMainThread } from "node:worker_threads";
import { runTool } from "../lib/cli/run-tool.ts";
import { defineTool } from "../lib/cli/types.ts";
import { workerUrlFor } from "../lib/cli/worker-entry.ts";
import { installedHandler, serveLazily } from "../lib/cli/worker-serve.ts";
import { nginxlogOptions } from "../lib/nginx/options.ts";

export const nginxlog = defineTool({
  name: "nginxlog",
  description:
    "Streaming nginx access-log analysis in constant memory (top-K, percentiles, HTML, Parquet)",
  positionals: {
    name: "FILE",
    description:
      "Log files, globs or rotated sets (access.log*; .gz read in-process); - or none for stdin. `nginxlog merge A.state B.state...` merges saved summaries",
    variadic: true,
  },
  options: nginxlogOptions,
  runsUntilStopped: (options) => options.follow,
  exitCodes: {
    0: "all good (also --follow stopped by SIGTERM, its normal end)",
    1: "an input could not be read, or no line matched the log format",
    143: "stopped by SIGTERM after a clean stop (without --follow)",
  },
  examples: [
    "nginxlog /var/log/nginx/access.log",
    "nginxlog '/var/log/nginx/access.log*' --status 5xx --top 20",
    "nginxlog --nginx-conf /etc/nginx/nginx.conf --format-name timed access.log --json",
    "nginxlog access.log --since 2h --html report.html --export records.parquet",
    "nginxlog access.log --state today.state && nginxlog merge yesterday.state today.state",
    "tail -n 100000 access.log | nginxlog --csv top-ips",
  ],
  async run(ctx) {
    // The engine loads here, not at start: --version and --help stay light.
    const { runNginxlog } = await import("../lib/nginx/command.ts");
    // Workers restart this module (or opsctl, inside the multi-call binary).
    return runNginxlog(ctx, workerUrlFor(import.meta));
  },
});

export default nginxlog;

if (!isMainThread)
  serveLazily(async () => {
    const { serveRangeWorker } = await import("../lib/nginx/worker.ts");
    return installedHandler(serveRangeWorker);
  });
else if (import.meta.main) process.exit(await runTool(nginxlog, { argv: process.argv.slice(2) }));
