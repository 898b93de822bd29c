/** opsctl's own commands at their edges, through the fixture multi-call entry under `bun run`. */
import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { run } from "../helpers/compiled.ts";

const opsctl = [
  process.execPath,
  "run",
  join(resolve(import.meta.dir, ".."), "fixtures/multicall.ts"),
];
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" };

describe("opsctl TOOL --completion SHELL", () => {
  test("completes the tool's own command, not two commands named opsctl and TOOL", async () => {
    const bash = await run([...opsctl, "logclean", "--completion", "bash"], { env });
    expect(bash.exitCode).toBe(0);
    // `complete -F fn opsctl logclean` replaced opsctl's own completion with the tool's flags.
    expect(bash.stdout.trimEnd().split("\n").at(-1)).toMatch(
      /^complete -o filenames -F \S+ logclean$/,
    );
    const fish = await run([...opsctl, "logclean", "--completion", "fish"], { env });
    // `complete -c opsctl logclean ...`: fish refused every line ("too many arguments").
    const lines = fish.stdout.split("\n").filter((line) => line.startsWith("complete "));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toStartWith("complete -c logclean -");
  });
});

describe("--completion with a shell it does not know", () => {
  test("is a usage error that says where to look", async () => {
    const result = await run([...opsctl, "logclean", "--completion", "tcsh"], { env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      `opsctl logclean: error: --completion: "tcsh" is not one of: bash, zsh, fish\nTry 'opsctl logclean --help'.\n`,
    );
  });
});

describe("stdout that cannot be written (a full disk behind > file)", () => {
  const printing: string[][] = [
    ["logclean", "--help"],
    ["logclean", "--version"],
    ["logclean", "--completion", "bash"],
    ["--help"],
    ["--version"],
    ["--completion", "bash"],
    ["config", "show"],
  ];
  test.each(printing.map((args) => [args.join(" "), args] as const))(
    "opsctl %s: exit 1 naming stdout, not 0 (or 2) with nothing written",
    async (_name, args) => {
      const quoted = [...opsctl, ...args].map((word) => `'${word}'`).join(" ");
      const result = await run(["bash", "-c", `${quoted} > /dev/full`], { env });
      expect(result.stderr).toContain("error: stdout: cannot write: ENOSPC");
      expect(result.exitCode).toBe(1);
    },
  );
});

describe("opsctl config --help", () => {
  const asked = [
    ["config", "--help"],
    ["config", "show", "--help"],
    ["config", "-h"],
  ];
  test.each(asked.map((args) => [args.join(" "), args] as const))(
    "opsctl %s prints its usage, exit 0 (it was 'Unknown option', exit 2)",
    async (_name, args) => {
      const result = await run([...opsctl, ...args], { env });
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain("opsctl config show [TOOL...] [--json] [--config FILE]");
    },
  );
});

describe("opsctl config show and NO_COLOR", () => {
  test("color is shown off, from NO_COLOR, as the tools take it (it said true, default)", async () => {
    const result = await run([...opsctl, "config", "show", "--json"], {
      env: { ...env, NO_COLOR: "1" },
    });
    expect(result.exitCode).toBe(0);
    const [entry] = JSON.parse(result.stdout);
    const color = entry.settings.find((setting: { key: string }) => setting.key === "color");
    expect(color).toEqual({
      key: "color",
      value: false,
      source: { kind: "env", name: "NO_COLOR" },
    });
  });
});
