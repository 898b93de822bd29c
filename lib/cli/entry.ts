import { basename } from "node:path";

/**
 * The name this binary was started as (a symlink or copy named after a tool), without
 * version/target suffixes or .exe: "logclean-0.1.0-linux-x64" -> "logclean".
 */
export function invokedName(argv0: string): string {
  const base = basename(argv0).replace(/\.exe$/i, "");
  return base.replace(/-\d+\.\d+\.\d+.*$/, "");
}
