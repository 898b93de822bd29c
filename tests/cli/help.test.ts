/** --help text (lib/cli/help.ts): what it promises must be what the tools do. */
import { describe, expect, test } from "bun:test";
import { renderHelp } from "../../lib/cli/help.ts";
import { defineTool } from "../../lib/cli/types.ts";
import exporter from "../../scripts/exporter.ts";
import nginxlog from "../../scripts/nginxlog.ts";
import podpatrol from "../../scripts/podpatrol.ts";

/** The EXIT CODES section as code -> meaning. */
function exitCodes(help: string): Map<number, string> {
  const section = help.split("EXIT CODES\n")[1]?.split("\n\n")[0] ?? "";
  const codes = new Map<number, string>();
  for (const line of section.split("\n")) {
    const match = /^\s+(\d+)\s{2}(.*)$/.exec(line);
    if (match) codes.set(Number(match[1]), match[2] ?? "");
  }
  return codes;
}

describe("EXIT CODES", () => {
  test("a tool's own meanings replace the shared ones, 130 and 143 included; null drops a code", async () => {
    const spec = defineTool({
      name: "demo",
      description: "demo",
      options: {},
      exitCodes: { 0: "stopped by SIGTERM", 4: "unreachable", 143: null },
      run: async () => 0,
    });
    const codes = exitCodes(await renderHelp(spec));
    expect([...codes.keys()]).toEqual([0, 1, 2, 4, 130]);
    expect(codes.get(0)).toBe("stopped by SIGTERM");
    expect(codes.get(4)).toBe("unreachable");
  });

  test("the daemons say SIGTERM is their normal end (exit 0), not 143", async () => {
    const patrol = exitCodes(await renderHelp(podpatrol));
    expect(patrol.get(0)).toContain("SIGTERM");
    expect(patrol.has(143)).toBe(false);
    const exporterCodes = exitCodes(await renderHelp(exporter));
    expect(exporterCodes.get(0)).toContain("SIGTERM");
    expect(exporterCodes.get(143)).toContain("--once");
    const nginx = exitCodes(await renderHelp(nginxlog));
    expect(nginx.get(143)).toContain("--follow");
  });
});

describe("OPTIONS", () => {
  test("a list flag says (repeatable) once, also when its description already says so", async () => {
    const spec = defineTool({
      name: "demo",
      description: "demo",
      options: {
        match: { type: "list", description: "Glob on names (repeatable, e.g. '*.log.[0-9]*')" },
        exclude: { type: "list", description: "Glob never to touch" },
      },
      run: async () => 0,
    });
    const help = await renderHelp(spec);
    const line = (flag: string) => help.split("\n").find((l) => l.includes(`--${flag}=`)) ?? "";
    expect(line("match").match(/repeatable/g)).toHaveLength(1);
    expect(line("exclude")).toContain("Glob never to touch (repeatable)");
  });
});
