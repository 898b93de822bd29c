import { runTool } from "../lib/cli/run-tool.ts";
import { defineTool } from "../lib/cli/types.ts";
import { sshpingOptions } from "../lib/ssh/cli/options.ts";

export const sshping = defineTool({
  name: "sshping",
  description:
    "Batch SSH liveness probe and ad-hoc command runner (replaces `ansible all -m ping`)",
  positionals: {
    name: "HOST",
    description:
      "[user@]host[:port] or a range (web[01-20].example), @FILE for a hosts file; with -i, Ansible host patterns (web:&prod:!web03)",
    variadic: true,
  },
  options: sshpingOptions,
  exitCodes: {
    0: "every host answered (and every command exited 0)",
    1: "some command failed (non-zero exit, signal or command timeout)",
    4: "some host unreachable, or login refused (auth failed, host key unknown or changed)",
  },
  examples: [
    "sshping web[01-20].example db1:2222",
    "sshping -i inventory.ini 'web:&prod:!web03'",
    "sshping -i hosts.yml --run 'uptime' --group",
    "sshping @hosts.txt --retry-file failed.txt || sshping @failed.txt   # retry only the hosts that failed",
  ],
  async run(ctx) {
    // The SSH engine loads here, not at start: --version and --help stay light.
    const { runSshping } = await import("../lib/ssh/cli/command.ts");
    return runSshping(ctx);
  },
});

export default sshping;

if (import.meta.main) process.exit(await runTool(sshping, { argv: process.argv.slice(2) }));
