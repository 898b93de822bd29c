/**
 * Which roots logclean may work in: real directories, never through a symlink, and never a
 * place where a wrong path would be a disaster (/, /home, $HOME, a filesystem root) unless forced.
 */
import { lstatSync, realpathSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describeErrno } from "../walk.ts";

export interface RootCheck {
  /** The canonical absolute path the walk starts from. */
  real: string;
  /** As the user gave it. */
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

export function checkRoot(given: string, policy: RootPolicy): RootCheck {
  const absolute = resolve(policy.cwd, given);
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
  const real = realpathSync(absolute);
  if (!policy.force) refuseDanger(given, dangerByName(real, policy) ?? filesystemRoot(real));
  return { real, given, dev: link.dev, ino: link.ino };
}

function refuseDanger(given: string, reason: string | undefined): void {
  if (reason) throw new RootRefused(`${given}: refusing to clean ${reason} (use --force if meant)`);
}

/** `path` (absolute, normalized) is /, /home or $HOME, as named or where they resolve to. */
function dangerByName(path: string, policy: RootPolicy): string | undefined {
  if (path === "/") return "the root directory /";
  const homes = policy.homes ?? "/home";
  if (path === homes) return homes;
  const realHomes = resolvedOrSelf(homes);
  if (path === realHomes) return `${homes} (${realHomes})`;
  if (policy.home) {
    const home = resolvedOrSelf(policy.home);
    if (path === home || path === resolve(policy.home)) return `the home directory ${home}`;
  }
  if (policy.mountPoints.has(path)) return "a filesystem root (mount point)";
  return undefined;
}

function filesystemRoot(real: string): string | undefined {
  const here = statSync(real);
  const parent = statSync(dirname(real));
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
  const byDepth = [...roots].sort((a, b) => a.real.length - b.real.length);
  const kept: RootCheck[] = [];
  for (const root of byDepth) {
    const reached = kept.some(
      (outer) =>
        root.real === outer.real ||
        (root.real.startsWith(outer.real.endsWith("/") ? outer.real : `${outer.real}/`) &&
          (walk.crossDevices ||
            (root.dev === outer.dev && !mountBetween(outer.real, root.real, walk.mountPoints)))),
    );
    if (!reached) kept.push(root);
  }
  return kept;
}

/** A mount point below `outer`, down to `inner` itself. */
function mountBetween(outer: string, inner: string, mountPoints: ReadonlySet<string>): boolean {
  for (let at = inner; at.length > outer.length; at = dirname(at))
    if (mountPoints.has(at)) return true;
  return false;
}
