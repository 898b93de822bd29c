/**
 * Real trees for the lib/fs, ffind and logclean tests: built on disk, snapshotted, torn down; and
 * a compiled tool run as `nobody` in them (nginxlog's --follow test too).
 */
import {
  chmodSync,
  closeSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readlinkSync,
  utimesSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dayMs = 86_400_000;

/**
 * A temp dir in the test run's temp root (removed with it); world-traversable so an
 * unprivileged user can work in it.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `opsctl-${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** Writes a file of `size` bytes whose mtime is `ageDays` in the past. */
export function file(path: string | Buffer, ageDays = 0, size = 16, now = Date.now()): void {
  const fd = openSync(path, "w");
  if (size > 0) writeSync(fd, Buffer.alloc(size, 0x61));
  closeSync(fd);
  const when = new Date(now - ageDays * dayMs);
  utimesSync(path, when, when);
}

export function dir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

export interface SnapshotItem {
  kind: string;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  mode: bigint;
  link?: string;
}

/** Every entry below `root` (not following symlinks), keyed by its path bytes in hex. */
export function snapshot(root: string): Map<string, SnapshotItem> {
  const items = new Map<string, SnapshotItem>();
  const visit = (path: Buffer) => {
    const stat = lstatSync(path, { bigint: true });
    const kind = stat.isDirectory()
      ? "dir"
      : stat.isSymbolicLink()
        ? "link"
        : stat.isFile()
          ? "file"
          : "other";
    const item: SnapshotItem = {
      kind,
      ino: stat.ino,
      size: stat.size,
      mtimeNs: stat.mtimeNs,
      mode: stat.mode,
    };
    if (kind === "link") item.link = readlinkSync(path, "buffer").toString("hex");
    items.set(path.toString("hex"), item);
    if (kind !== "dir") return;
    let names: Buffer[];
    try {
      names = readdirSync(path, { encoding: "buffer" }) as unknown as Buffer[];
    } catch {
      return; // unreadable: its own entry is still in the snapshot
    }
    for (const name of names) visit(Buffer.concat([path, Buffer.from("/"), name]));
  };
  visit(Buffer.from(root));
  return items;
}

/** Paths (as text, lossy) that differ between two snapshots. */
export function differences(
  before: Map<string, SnapshotItem>,
  after: Map<string, SnapshotItem>,
): string[] {
  const changed: string[] = [];
  const text = (hex: string) => Buffer.from(hex, "hex").toString("utf8");
  for (const [key, item] of before) {
    const now = after.get(key);
    if (!now) changed.push(`removed ${text(key)}`);
    else if (JSON.stringify(item, big) !== JSON.stringify(now, big))
      changed.push(`changed ${text(key)}`);
  }
  for (const key of after.keys()) if (!before.has(key)) changed.push(`added ${text(key)}`);
  return changed;
}

function big(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

export function exists(path: string | Buffer): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs as root? The permission tests drop to `nobody` with setpriv, which needs root. */
export const nobody = { uid: 65534, gid: 65534 };

export function asNobody(command: string[]): string[] {
  return [
    "setpriv",
    `--reuid=${nobody.uid}`,
    `--regid=${nobody.gid}`,
    "--clear-groups",
    ...command,
  ];
}

/** The compiled binary copied where `nobody` may run it (the build dir is private to root). */
export function publicCopy(binary: string, dir: string): string {
  const target = join(dir, binary.split("/").pop() as string);
  copyFileSync(binary, target);
  chmodSync(target, 0o755);
  return target;
}

/** Name of level `level` of deepTree: 120 bytes, so 34 levels pass PATH_MAX (4096). */
export function deepName(level: number): string {
  return `${String(level).padStart(3, "0")}${"n".repeat(117)}`;
}

/**
 * `levels` directories nested in `root` (deepName), built with cd one level at a time (a path
 * past PATH_MAX cannot be made with node:fs); `shellAt(level)` runs in each (touch, ln -s...).
 */
export function deepTree(root: string, levels: number, shellAt: (level: number) => string): void {
  let script = `set -e; mkdir -p '${root}'; cd '${root}'\n`;
  for (let level = 1; level <= levels; level++)
    script += `mkdir ${deepName(level)}; cd ${deepName(level)}\n${shellAt(level)}\n`;
  const result = Bun.spawnSync(["bash", "-c", script]);
  if (result.exitCode !== 0) throw new Error(`deepTree: ${result.stderr.toString()}`);
}

/** What GNU find prints (it walks past PATH_MAX), sorted byte-wise; NUL-separated items. */
export function findItems(root: string, ...args: string[]): string[] {
  const result = Bun.spawnSync(["find", root, ...args, "-print0"], { env: { LC_ALL: "C" } });
  if (result.exitCode !== 0) throw new Error(`find: ${result.stderr.toString()}`);
  return result.stdout
    .toString("latin1")
    .split("\0")
    .filter(Boolean)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
