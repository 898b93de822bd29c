/**
 * A tool that waits to be stopped, for the signal tests: a batch job by default, or (--daemon) a
 * run whose normal end is SIGTERM.
 */
import { runTool } from "../../lib/cli/run-tool.ts";
import { defineTool } from "../../lib/cli/types.ts";

export const stopFixture = defineTool({
  name: "logclean",
  description: "Signal test fixture",
  options: {
    daemon: { type: "boolean", description: "Run until stopped (SIGTERM is the normal end)" },
  },
  runsUntilStopped: (options) => options.daemon,
  async run(ctx) {
    process.stderr.write("waiting\n"); // the signal handlers are in place
    await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
    ctx.out.line("stopped cleanly");
    return 0;
  },
});

if (import.meta.main) process.exit(await runTool(stopFixture, { argv: process.argv.slice(2) }));
