import {
  chmodSync,
  cpSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import type { BuildInfo } from "../cli/version.ts";
import { executableName, type Target } from "./targets.ts";

export interface ArchiveInput {
  outDir: string;
  target: Target;
  tools: string[];
  info: Omit<BuildInfo, "target">;
  root: string;
}

/**
 * opsctl-<version>-<target>.tar.gz (zip for Windows): the multi-call opsctl, a symlink to it named
 * after each tool (it dispatches by name), and the README. One ~110 MB runtime per archive rather
 * than one per tool. Without opsctl in the build, the built tools themselves. Entries are sorted,
 * owned by 0:0 and dated at the commit, and gzip stores no name or time: byte-identical archives
 * for identical binaries.
 */
export async function archiveTarget(input: ArchiveInput): Promise<string> {
  const { outDir, target, tools, info } = input;
  const base = `opsctl-${info.version}-${target.name}`;
  const staging = join(outDir, ".staging", base);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const mtime = info.date === "unknown" ? new Date(0) : new Date(info.date);
  const multiCall = tools.includes("opsctl");
  for (const tool of tools) {
    const inside = join(staging, target.os === "windows" ? `${tool}.exe` : tool);
    if (multiCall && tool !== "opsctl") {
      // Windows has no symlinks in zip: there it is `opsctl TOOL ...`.
      if (target.os !== "windows") symlinkSync("opsctl", inside);
      continue;
    }
    cpSync(join(outDir, executableName(tool, info.version, target)), inside);
    chmodSync(inside, 0o755);
  }
  cpSync(join(input.root, "README.md"), join(staging, "README.md"));
  chmodSync(join(staging, "README.md"), 0o644);
  for (const name of [...readdirSync(staging), "."]) lutimesSync(join(staging, name), mtime, mtime);
  const epoch = Math.floor(mtime.getTime() / 1000);
  const archive = target.os === "windows" ? `${base}.zip` : `${base}.tar.gz`;
  const archivePath = join(outDir, archive);
  rmSync(archivePath, { force: true });
  const command =
    target.os === "windows"
      ? [
          "sh",
          "-c",
          `cd "$1" && TZ=UTC zip -X -q -r "$2" "$3"`,
          "sh",
          join(outDir, ".staging"),
          resolve(archivePath),
          base,
        ]
      : [
          "sh",
          "-c",
          `tar -C "$1" --sort=name --mtime=@$4 --owner=0 --group=0 --numeric-owner --format=gnu -cf - "$3" | gzip -n > "$2"`,
          "sh",
          join(outDir, ".staging"),
          archivePath,
          base,
          String(epoch),
        ];
  const proc = Bun.spawnSync(command, { stderr: "pipe" });
  if (!proc.success) throw new Error(`archiving ${archive}: ${proc.stderr.toString().trim()}`);
  rmSync(staging, { recursive: true, force: true });
  return archivePath;
}

/** SHA256SUMS over every binary and archive in dist, in `sha256sum -c` format. */
export function writeChecksums(outDir: string): string {
  const files = readdirSync(outDir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== "SHA256SUMS")
    .map((entry) => entry.name)
    .sort();
  const lines = files.map((name) => {
    const hash = new Bun.CryptoHasher("sha256")
      .update(readFileSync(join(outDir, name)))
      .digest("hex");
    return `${hash}  ${name}`;
  });
  const path = join(outDir, "SHA256SUMS");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}
