import packageJson from "../../package.json" with { type: "json" };

/** Replaced at build time by build.ts (--define); absent under `bun run`. */
declare const OPSCTL_BUILD_INFO: string | undefined;

export interface BuildInfo {
  version: string;
  commit: string;
  date: string;
  target: string;
}

/** What the binary was built from; under `bun run`, the checkout it runs in. */
export function buildInfo(): BuildInfo {
  if (typeof OPSCTL_BUILD_INFO !== "undefined") return JSON.parse(OPSCTL_BUILD_INFO) as BuildInfo;
  return {
    version: packageJson.version,
    commit: devCommit(),
    date: "unreleased",
    target: `bun-${process.platform}-${process.arch} (bun run)`,
  };
}

export function formatVersion(tool: string, info: BuildInfo = buildInfo()): string {
  return `${tool} ${info.version} (commit ${info.commit}, built ${info.date}, target ${info.target})`;
}

function devCommit(): string {
  try {
    const result = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], {
      cwd: import.meta.dir,
      stderr: "ignore",
    });
    return result.success ? result.stdout.toString().trim() : "unknown";
  } catch {
    // No git, or compiled without build.ts (import.meta.dir is inside the binary).
    return "unknown";
  }
}
