/** Every target Bun cross-compiles to from this machine (its runtimes come from the npm registry). */
export interface Target {
  /** Our name: os-arch[-libc][-baseline], used in file names. */
  name: string;
  /** Bun's --target value. */
  bun: string;
  os: "linux" | "darwin" | "windows";
  arch: "x64" | "arm64";
}

function target(bun: string): Target {
  const name = bun.replace(/^bun-/, "");
  const [os, arch] = name.split("-") as [Target["os"], Target["arch"]];
  return { name, bun, os, arch };
}

export const allTargets: Target[] = [
  "bun-linux-x64",
  "bun-linux-x64-baseline",
  "bun-linux-arm64",
  "bun-linux-x64-musl",
  "bun-linux-x64-musl-baseline",
  "bun-linux-arm64-musl",
  "bun-darwin-x64",
  "bun-darwin-x64-baseline",
  "bun-darwin-arm64",
  "bun-windows-x64",
  "bun-windows-x64-baseline",
  "bun-windows-arm64",
].map(target);

export function hostTarget(): Target {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const found = allTargets.find((t) => t.name === `${os}-${process.arch}`);
  if (!found)
    throw new Error(`no build target for this host (${process.platform}-${process.arch})`);
  return found;
}

export function executableName(tool: string, version: string, target: Target): string {
  return `${tool}-${version}-${target.name}${target.os === "windows" ? ".exe" : ""}`;
}
