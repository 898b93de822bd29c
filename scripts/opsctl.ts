import { runMulticall, type ToolTable } from "../lib/cli/multicall.ts";

/** Every tool, loaded only when called, so `opsctl --version` pays for none of them. */
const tools: ToolTable = {
  exporter: () => import("./exporter.ts"),
  ffind: () => import("./ffind.ts"),
  logclean: () => import("./logclean.ts"),
  nginxlog: () => import("./nginxlog.ts"),
  podpatrol: () => import("./podpatrol.ts"),
  sshping: () => import("./sshping.ts"),
};

if (import.meta.main) {
  process.exit(await runMulticall({ tools, argv0: process.argv0, argv: process.argv.slice(2) }));
}
