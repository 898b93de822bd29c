/**
 * Which roots logclean may work in: real directories, never through a symlink, and never a
 * place where a wrong path would be a disaster (/, /home, $HOME, a filesystem root) unless forced.
 */
import { lstatSync, realpathSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { mountKey } from "../mounts.ts";
import { type FsPath, textIfUtf8, toBytes, toText } from "../path.ts";
import { describeErrno } from "../walk.ts";

export interface RootCheck {
  /** The canonical absolute path the walk starts from (raw bytes when it is not UTF-8). */
  real: FsPath;
  /** As the user gave it (as text: for messages). */
  given: string;
  dev: number;
  ino: number;
}

export class RootRefused extends Error {
  override name = "RootRefused";
}

export interface RootPolicy {
  force: boolean;
  home: string | undefined;
  mountPoints: ReadonlySet<string>;
  cwd: string;
  /** Where users' homes are (default /home). */
  homes?: string;
}

export function checkRoot(root: FsPath, policy: RootPolicy): RootCheck {
  const given = toText(root);
  const absolute = resolvePath(policy.cwd, root);
  let link: ReturnType<typeof lstatSync>;
  try {
    link = lstatSync(absolute);
  } catch (error) {
    throw new RootRefused(`${given}: ${describeErrno(error as NodeJS.ErrnoException)}`);
  }
  // The path as given too: /home that is a symlink is /home, whatever its target.
  if (!policy.force) refuseDanger(given, dangerByName(absolute, policy));
  if (link.isSymbolicLink())
    throw new RootRefused(
      `${given}: is a symlink; logclean never follows symlinks (pass the directory it points to)`,
    );
  if (!link.isDirectory()) throw new RootRefused(`${given}: not a directory`);
  const real = textIfUtf8(realpathSync(absolute, { encoding: "buffer" }));
  if (!policy.force) refuseDanger(given, dangerByName(real, policy) ?? filesystemRoot(real));
  return { real, given, dev: link.dev, ino: link.ino };
}

// Paths that are not UTF-8 are resolved and compared as latin1 text: one char per byte, and
// "/" and "." (all path.resolve looks at) are the same byte in both.
function latin1(path: FsPath): string {
  return toBytes(path).toString("latin1");
}

function fromLatin1(text: string): FsPath {
  return textIfUtf8(Buffer.from(text, "latin1"));
}

function resolvePath(cwd: string, path: FsPath): FsPath {
  return typeof path === "string"
    ? resolve(cwd, path)
    : fromLatin1(resolve(latin1(cwd), latin1(path)));
}

function refuseDanger(given: string, reason: string | undefined): void {
  if (reason) throw new RootRefused(`${given}: refusing to clean ${reason} (use --force if meant)`);
}

/** `path` (absolute, normalized) is /, /home or $HOME, as named or where they resolve to. */
function dangerByName(path: FsPath, policy: RootPolicy): string | undefined {
  // /, /home and $HOME are text: a path that is not UTF-8 is none of them.
  if (typeof path === "string") {
    if (path === "/") return "the root directory /";
    const homes = policy.homes ?? "/home";
    if (path === homes) return homes;
    const realHomes = resolvedOrSelf(homes);
    if (path === realHomes) return `${homes} (${realHomes})`;
    if (policy.home) {
      const home = resolvedOrSelf(policy.home);
      if (path === home || path === resolve(policy.home)) return `the home directory ${home}`;
    }
  }
  if (policy.mountPoints.has(mountKey(path))) return "a filesystem root (mount point)";
  return undefined;
}

function filesystemRoot(real: FsPath): string | undefined {
  const here = statSync(real);
  const parent = statSync(fromLatin1(dirname(latin1(real))));
  if (here.dev !== parent.dev || here.ino === parent.ino) return "a filesystem root";
  return undefined;
}

/** A path that does not exist (a HOME that is not there) cannot be the root we were given. */
function resolvedOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** What a root's walk enters below it: other filesystems and mount points only when crossing. */
export interface RootWalk {
  crossDevices: boolean;
  mountPoints: ReadonlySet<string>;
}

/**
 * Drops roots the walk of another root reaches anyway (repeated, or below it): each directory is
 * walked once. A root below a mount point or on another device stays when the outer walk stops
 * there, else it was never cleaned.
 */
export function distinctRoots(roots: readonly RootCheck[], walk: RootWalk): RootCheck[] {
  const byDepth = roots
    .map((root) => ({ root, path: latin1(root.real) }))
    .sort((a, b) => a.path.length - b.path.length);
  const kept: typeof byDepth = [];
  for (const inner of byDepth) {
    const reached = kept.some(
      (outer) =>
        inner.path === outer.path ||
        (inner.path.startsWith(outer.path.endsWith("/") ? outer.path : `${outer.path}/`) &&
          (walk.crossDevices ||
            (inner.root.dev === outer.root.dev &&
              !mountBetween(outer.path, inner.path, walk.mountPoints)))),
    );
    if (!reached) kept.push(inner);
  }
  return kept.map(({ root }) => root);
}

/** A mount point below `outer`, down to `inner` itself (both latin1 text). */
function mountBetween(outer: string, inner: string, mountPoints: ReadonlySet<string>): boolean {
  for (let at = inner; at.length > outer.length; at = dirname(at))
    if (mountPoints.has(mountKey(fromLatin1(at)))) return true;
  return false;
}
