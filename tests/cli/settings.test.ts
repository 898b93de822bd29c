import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile, locateConfigFile } from "../../lib/cli/config-file.ts";
import { UsageError } from "../../lib/cli/errors.ts";
import { globalOptions } from "../../lib/cli/global-options.ts";
import { resolveSettings } from "../../lib/cli/settings.ts";
import { toolNames } from "../../lib/cli/tool-names.ts";
import type { OptionSpecs } from "../../lib/cli/types.ts";

const options = {
  days: { type: "integer", description: "", default: 7 },
  match: { type: "list", description: "", default: ["*.log"] },
  ...globalOptions,
} as OptionSpecs;

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "opsctl-settings-"));
  const path = join(dir, "config.yaml");
  writeFileSync(path, text);
  return path;
}

function resolve(
  flags: Record<string, string | boolean | string[]>,
  env: Record<string, string>,
  yaml?: string,
) {
  const file =
    yaml === undefined ? undefined : loadConfigFile(configFile(yaml), ["global", ...toolNames]);
  return resolveSettings({ tool: "logclean", options, flags, env, file });
}

describe("defaults written as text", () => {
  test("a size or duration default reaches the tool as a number", () => {
    const specs = {
      maxOutput: { type: "size", description: "", default: "256K" },
      every: { type: "duration", description: "", default: "15s" },
      ...globalOptions,
    } as OptionSpecs;
    const { values } = resolveSettings({
      tool: "sshping",
      options: specs,
      flags: {},
      env: {},
      file: undefined,
    });
    expect(values.maxOutput).toBe(256 * 1024);
    expect(values.every).toBe(15);
  });
});

describe("precedence: flags > env > file > defaults", () => {
  const yaml = "logclean:\n  days: 30\n  match: ['*.gz']\nglobal:\n  log-level: warn\n";
  test("default when nothing is set", () => {
    const { values, settings } = resolve({}, {});
    expect(values.days).toBe(7);
    expect(settings.find((s) => s.key === "days")?.source).toEqual({ kind: "default" });
  });
  test("file beats default, names the file and key", () => {
    const { values, settings } = resolve({}, {}, yaml);
    expect(values.days).toBe(30);
    expect(values.match).toEqual(["*.gz"]);
    expect(values.logLevel).toBe("warn");
    const source = settings.find((s) => s.key === "days")?.source;
    expect(source).toMatchObject({ kind: "file", key: "logclean.days" });
  });
  test("env beats file", () => {
    const { values, settings } = resolve(
      {},
      { OPSCTL_LOGCLEAN_DAYS: "14", OPSCTL_LOG_LEVEL: "error" },
      yaml,
    );
    expect(values.days).toBe(14);
    expect(values.logLevel).toBe("error");
    expect(settings.find((s) => s.key === "days")?.source).toEqual({
      kind: "env",
      name: "OPSCTL_LOGCLEAN_DAYS",
    });
  });
  test("per-tool env beats global env for global flags", () => {
    const { values } = resolve(
      {},
      { OPSCTL_LOGCLEAN_LOG_LEVEL: "debug", OPSCTL_LOG_LEVEL: "error" },
    );
    expect(values.logLevel).toBe("debug");
  });
  test("flag beats env", () => {
    const { values, settings } = resolve({ days: "3" }, { OPSCTL_LOGCLEAN_DAYS: "14" }, yaml);
    expect(values.days).toBe(3);
    expect(settings.find((s) => s.key === "days")?.source).toEqual({
      kind: "flag",
      name: "--days",
    });
  });
  test("NO_COLOR turns color off below opsctl's own settings, and says so", () => {
    const color = (env: Record<string, string>, yaml?: string) =>
      resolve({}, env, yaml).settings.find((setting) => setting.key === "color");
    expect(color({ NO_COLOR: "1" })).toEqual({
      key: "color",
      value: false,
      source: { kind: "env", name: "NO_COLOR" },
    });
    expect(color({ NO_COLOR: "" })).toMatchObject({ value: true, source: { kind: "default" } });
    expect(color({ NO_COLOR: "1", OPSCTL_COLOR: "true" })).toMatchObject({ value: true });
    expect(color({ NO_COLOR: "1" }, "global:\n  color: true\n")).toMatchObject({ value: true });
    expect(resolve({ color: true }, { NO_COLOR: "1" }).values.color).toBe(true);
  });
  test("list env vars are comma separated", () => {
    expect(resolve({}, { OPSCTL_LOGCLEAN_MATCH: "*.log, *.log.1" }).values.match).toEqual([
      "*.log",
      "*.log.1",
    ]);
  });
});

describe("bad configuration names the key, the file and the expected type", () => {
  test("wrong type", () => {
    const path = configFile("logclean:\n  days: soon\n");
    const file = loadConfigFile(path, ["global", ...toolNames]);
    expect(() => resolveSettings({ tool: "logclean", options, flags: {}, env: {}, file })).toThrow(
      `config file ${path}: key "logclean.days" must be a whole number, got string "soon"`,
    );
  });
  test("YAML's .inf, .nan and negative sizes or durations are refused", () => {
    const specs = {
      minSize: { type: "size", description: "" },
      maxAge: { type: "duration", description: "" },
      ratio: { type: "number", description: "" },
      ...globalOptions,
    } as OptionSpecs;
    const cases: [string, string][] = [
      ["min-size: -1", 'key "logclean.min-size" must be a size of 0 or more, got'],
      ["min-size: .nan", 'key "logclean.min-size" must be a size of 0 or more, got'],
      ["max-age: .inf", 'key "logclean.max-age" must be a duration of 0 or more, got'],
      ["ratio: .inf", 'key "logclean.ratio" must be a finite number, got'],
    ];
    for (const [line, message] of cases) {
      const file = loadConfigFile(configFile(`logclean:\n  ${line}\n`), ["global", ...toolNames]);
      expect(() =>
        resolveSettings({ tool: "logclean", options: specs, flags: {}, env: {}, file }),
      ).toThrow(message);
    }
  });
  test("unknown key", () => {
    const path = configFile("logclean:\n  dayz: 3\n");
    const file = loadConfigFile(path, ["global", ...toolNames]);
    expect(() => resolveSettings({ tool: "logclean", options, flags: {}, env: {}, file })).toThrow(
      `config file ${path}: unknown key "logclean.dayz"`,
    );
  });
  test("unknown section and invalid YAML", () => {
    expect(() =>
      loadConfigFile(configFile("logcleen:\n  days: 3\n"), ["global", "logclean"]),
    ).toThrow('unknown section "logcleen"');
    expect(() => loadConfigFile(configFile("logclean: [\n"), ["global", "logclean"])).toThrow(
      "not valid YAML",
    );
  });
  test("a document that is not a mapping lists each section once", () => {
    // It said "(global, global, logclean, ...)": the known sections already include global.
    expect(() => loadConfigFile(configFile("- a\n"), ["global", "logclean"])).toThrow(
      "expected a mapping of sections (global, logclean)",
    );
  });
  test("bad env value names the variable", () => {
    expect(() => resolve({}, { OPSCTL_LOGCLEAN_DAYS: "x" })).toThrow(
      "environment variable OPSCTL_LOGCLEAN_DAYS",
    );
  });
});

describe("bounds on an option spec (min, max, minExclusive, timer)", () => {
  const specs = {
    workers: { type: "integer", description: "", default: 4, min: 1, max: 256 },
    retries: { type: "integer", description: "", default: 1, min: 0 },
    deadline: { type: "duration", description: "", min: 0, minExclusive: true, timer: true },
    ...globalOptions,
  } as OptionSpecs;
  const run = (flags: Record<string, string>, env: Record<string, string> = {}, yaml?: string) =>
    resolveSettings({
      tool: "sshping",
      options: specs,
      flags,
      env,
      file:
        yaml === undefined ? undefined : loadConfigFile(configFile(yaml), ["global", ...toolNames]),
    });
  test("values within the bounds are taken", () => {
    const { values } = run({ workers: "1", retries: "0", deadline: "24d" });
    expect(values).toMatchObject({ workers: 1, retries: 0, deadline: 24 * 86400 });
    expect(run({ workers: "256" }).values.workers).toBe(256);
    expect(run({}).values.deadline).toBeUndefined();
  });
  test("out of bounds is a usage error naming the flag, from any source", () => {
    const cases: [() => unknown, string][] = [
      [() => run({ workers: "0" }), "--workers must be at least 1"],
      [() => run({ retries: "-1" }), "--retries must be 0 or more"],
      [() => run({ deadline: "0" }), "--deadline must be more than zero"],
      [() => run({}, { OPSCTL_SSHPING_DEADLINE: "0s" }), "--deadline must be more than zero"],
      [() => run({}, {}, "sshping:\n  deadline: 0\n"), "--deadline must be more than zero"],
      [() => run({ deadline: "25d" }), "--deadline must be at most 24d"],
      [() => run({ workers: "100000" }), "--workers must be at most 256, got 100000"],
      [() => run({}, { OPSCTL_SSHPING_WORKERS: "257" }), "--workers must be at most 256, got 257"],
    ];
    for (const [resolveIt, message] of cases) {
      expect(resolveIt).toThrow(UsageError);
      expect(resolveIt).toThrow(message);
    }
  });
});

describe("config file location", () => {
  test("--config, then ./opsctl.yaml, then $XDG_CONFIG_HOME/opsctl/config.yaml", () => {
    const cwd = mkdtempSync(join(tmpdir(), "opsctl-cwd-"));
    const xdg = mkdtempSync(join(tmpdir(), "opsctl-xdg-"));
    const explicit = configFile("");
    expect(locateConfigFile(explicit, {}, cwd)).toBe(explicit);
    expect(() => locateConfigFile(join(cwd, "missing.yaml"), {}, cwd)).toThrow("no such file");
    require("node:fs").mkdirSync(join(xdg, "opsctl"));
    writeFileSync(join(xdg, "opsctl", "config.yaml"), "");
    expect(locateConfigFile(undefined, { XDG_CONFIG_HOME: xdg }, cwd)).toBe(
      join(xdg, "opsctl", "config.yaml"),
    );
    writeFileSync(join(cwd, "opsctl.yaml"), "");
    expect(locateConfigFile(undefined, { XDG_CONFIG_HOME: xdg }, cwd)).toBe(
      join(cwd, "opsctl.yaml"),
    );
  });

  test("a relative $XDG_CONFIG_HOME is ignored (the XDG spec says so): ~/.config is looked at instead", () => {
    const cwd = mkdtempSync(join(tmpdir(), "opsctl-cwd-"));
    const home = mkdtempSync(join(tmpdir(), "opsctl-home-"));
    require("node:fs").mkdirSync(join(cwd, "rel", "opsctl"), { recursive: true });
    writeFileSync(join(cwd, "rel", "opsctl", "config.yaml"), "");
    require("node:fs").mkdirSync(join(home, ".config", "opsctl"), { recursive: true });
    writeFileSync(join(home, ".config", "opsctl", "config.yaml"), "");
    expect(locateConfigFile(undefined, { XDG_CONFIG_HOME: "rel", HOME: home }, cwd)).toBe(
      join(home, ".config", "opsctl", "config.yaml"),
    );
  });

  test("--config that is empty, a directory or unreadable: the reason in words, not an errno", () => {
    const dir = mkdtempSync(join(tmpdir(), "opsctl-cfgdir-"));
    expect(() => locateConfigFile("", {}, dir)).toThrow(
      "--config: an empty path (give the YAML file)",
    );
    expect(() => loadConfigFile(dir, ["global"])).toThrow(
      `config file ${dir}: is a directory (give the YAML file)`,
    );
  });
});
