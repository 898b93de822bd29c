/**
 * A tool that shows progress, then logs a line and prints a result while the progress line is
 * on the terminal: the tests run it under `script` (stdout and stderr one terminal).
 */
import { runTool } from "../../lib/cli/run-tool.ts";
import { defineTool } from "../../lib/cli/types.ts";

export const progressFixture = defineTool({
  name: "logclean",
  description: "Progress test fixture",
  options: {},
  async run(ctx) {
    // Progress redraws at most every 100 ms, counted from the process's start.
    await Bun.sleep(150);
    ctx.progress.update("working 1");
    ctx.log.warn("a warning");
    await Bun.sleep(150);
    ctx.progress.update("working 2");
    ctx.out.line("result");
    ctx.out.flush();
    return 0;
  },
});

if (import.meta.main) process.exit(await runTool(progressFixture, { argv: process.argv.slice(2) }));
