import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "./errors.ts";

export interface ConfigFile {
  path: string;
  /** Top-level sections: "global" and one per tool. */
  sections: Record<string, Record<string, unknown>>;
}

/** The config file to read: --config, else the first of the standard places that exists. */
export function locateConfigFile(
  explicit: string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
): string | undefined {
  if (explicit !== undefined) {
    if (explicit === "") throw new ConfigError("--config: an empty path (give the YAML file)");
    if (!existsSync(explicit)) throw new ConfigError(`config file ${explicit}: no such file`);
    return explicit;
  }
  // XDG: a relative $XDG_CONFIG_HOME is invalid and ignored (it would depend on the cwd).
  const xdgHome = env.XDG_CONFIG_HOME?.startsWith("/") ? env.XDG_CONFIG_HOME : undefined;
  const xdg = xdgHome || (env.HOME ? join(env.HOME, ".config") : undefined);
  const candidates = [
    join(cwd, "opsctl.yaml"),
    ...(xdg ? [join(xdg, "opsctl", "config.yaml")] : []),
    "/etc/opsctl/config.yaml",
  ];
  return candidates.find((path) => existsSync(path));
}

/** Reads and shape-checks a config file: a mapping of section name -> mapping. */
export function loadConfigFile(path: string, knownSections: readonly string[]): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EISDIR"
        ? "is a directory (give the YAML file)"
        : code === "EACCES"
          ? "permission denied"
          : code === "ENOENT"
            ? "no such file"
            : (error as Error).message;
    throw new ConfigError(`config file ${path}: ${why}`);
  }
  let document: unknown;
  try {
    document = text.trim() === "" ? {} : Bun.YAML.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path}: not valid YAML: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) document = {};
  if (!isMapping(document)) {
    throw new ConfigError(
      `config file ${path}: expected a mapping of sections (${knownSections.join(", ")})`,
    );
  }
  const sections: ConfigFile["sections"] = {};
  for (const [name, body] of Object.entries(document)) {
    if (!knownSections.includes(name)) {
      throw new ConfigError(
        `config file ${path}: unknown section "${name}" (expected one of: ${knownSections.join(", ")})`,
      );
    }
    if (body === null) continue;
    if (!isMapping(body)) {
      throw new ConfigError(`config file ${path}: section "${name}" must be a mapping of settings`);
    }
    sections[name] = body;
  }
  return { path, sections };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
