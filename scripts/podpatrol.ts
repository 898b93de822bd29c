import { runTool } from "../lib/cli/run-tool.ts";
import { defineTool } from "../lib/cli/types.ts";
import { configKeys } from "../lib/podpatrol/config.ts";
import { podpatrolOptions as options } from "../lib/podpatrol/options.ts";

export const podpatrol = defineTool({
  name: "podpatrol",
  description:
    "Watch pods and nodes and safely remediate crash loops, stuck, unschedulable, failed pods and lost nodes",
  options,
  configKeys,
  runsUntilStopped: () => true,
  exitCodes: {
    0: "stopped cleanly by SIGTERM (its normal end)",
    1: "the API server refused the credentials at start, or the patrol failed",
    4: "the Kubernetes API server was unreachable at start",
    143: null,
  },
  examples: [
    "podpatrol --dry-run --kubeconfig ~/.kube/config",
    "podpatrol --namespace shop --namespace web --cooldown 15m",
    "podpatrol --config /etc/podpatrol/config.yaml --listen 0.0.0.0:8080",
  ],
  async run(ctx) {
    // The Kubernetes client and the daemon load here, not at start: --version/--help stay light.
    const { runPodpatrol } = await import("../lib/podpatrol/command.ts");
    return runPodpatrol(ctx, options);
  },
});

export default podpatrol;

if (import.meta.main) process.exit(await runTool(podpatrol, { argv: process.argv.slice(2) }));
