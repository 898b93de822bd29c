/** Completion scripts (lib/cli/completion.ts), run in the shells they are for. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CompletionTarget, completionScript } from "../../lib/cli/completion.ts";

const opsctl: CompletionTarget = {
  command: "opsctl",
  options: {},
  subcommands: {
    ffind: {
      description: "Find files",
      options: { type: { type: "enum", description: "f, d or l", choices: ["f", "d", "l"] } },
    },
    config: { description: "Show effective settings", options: {}, words: ["show", "ffind"] },
  },
};

// An empty directory: file-name completion offers nothing there.
const emptyDir = mkdtempSync(join(tmpdir(), "opsctl-completion-"));

/** What bash's completion function offers for the words typed so far (the last one is partial). */
function bashOffers(script: string, words: string[]): string[] {
  const typed = words.map((word) => `'${word}'`).join(" ");
  const program = `${script}\nCOMP_WORDS=(${typed}); COMP_CWORD=${words.length - 1}; _opsctl_opsctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = Bun.spawnSync(["bash", "--norc", "-c", program], { cwd: emptyDir });
  expect(result.exitCode).toBe(0);
  return result.stdout.toString().split("\n").filter(Boolean);
}

describe("bash", () => {
  const script = completionScript("bash", opsctl);

  test("opsctl config <TAB> offers its words (show), not file names", () => {
    expect(bashOffers(script, ["opsctl", "config", ""])).toContain("show");
    expect(bashOffers(script, ["opsctl", "config", "sh"])).toEqual(["show"]);
    expect(bashOffers(script, ["opsctl", "config", "--js"])).toEqual(["--json"]);
  });

  test("opsctl config show --config <TAB> offers files, not the words", () => {
    writeFileSync(join(emptyDir, "opsctl.yaml"), "");
    expect(bashOffers(script, ["opsctl", "config", "show", "--config", ""])).toEqual([
      "opsctl.yaml",
    ]);
  });

  test("a subcommand's flag values and flags", () => {
    expect(bashOffers(script, ["opsctl", "ffind", "--type", ""])).toEqual(["f", "d", "l"]);
    expect(bashOffers(script, ["opsctl", "ffind", "--ty"])).toEqual(["--type"]);
  });
});

describe("fish", () => {
  test("opsctl config offers its words", () => {
    const script = completionScript("fish", opsctl);
    expect(script).toContain(
      "complete -c opsctl -f -n '__fish_seen_subcommand_from config' -a 'show ffind'",
    );
  });
});
