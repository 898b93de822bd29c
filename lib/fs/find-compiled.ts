/**
 * ffind's walk on the compiled walker's threads (native/compiled-walker.ts), for the queries it
 * answers exactly as walkQuery does: names tested as bytes by simple globs (`*.log`, `access*`,
 * `core`), a type, a depth, hidden or not, and matches counted or printed as paths. Anything
 * else (a regex, sizes, ages, --follow, --json records, --sort) takes the JavaScript walk.
 *
 * Roots are taken one after the other: a directory is opened here (as walk.ts opens a root,
 * following a symlink given as the root, like find -H) and walked below its descriptor; any other
 * root is tested by walkQuery itself.
 */
import {
  type FindQuery,
  type FindResult,
  type FindRunOptions,
  type FindSink,
  kindOfType,
  walkQuery,
} from "./find.ts";
import { type ByteGlob, simpleGlob } from "./glob.ts";
import {
  type CompiledWalker,
  compiledWalker,
  globBytesLimit,
  prefixLimit,
  WalkerThreadsUnavailable,
} from "./native/compiled-walker.ts";
import { nativeFs } from "./native/dir.ts";
import { errnoError, O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_RDONLY } from "./native/libc.ts";
import { type FsPath, joinPath, textIfUtf8, toBytes, toText } from "./path.ts";
import { openDirError, statRoot, type WalkError, walkError } from "./walk.ts";

export interface CompiledFind {
  walker: CompiledWalker;
  globs: ByteGlob[];
}

/** How this query can run on the compiled walker, or undefined when it needs the JavaScript walk. */
export function compiledFind(
  query: FindQuery,
  sink: FindSink,
  options: FindRunOptions,
): CompiledFind | undefined {
  const printable = options.separator !== undefined && sink.paths !== undefined;
  if (!(options.countOnly || printable) || options.statMatches) return undefined;
  if (query.follow || query.regex) return undefined;
  const { newerThan, olderThan, largerThan, smallerThan } = query;
  if ([newerThan, olderThan, largerThan, smallerThan].some((bound) => bound !== undefined))
    return undefined;
  const globs: ByteGlob[] = [];
  let size = 0;
  for (const name of query.names) {
    const glob = simpleGlob(name);
    if (!glob || glob.bytes.length > 255) return undefined;
    size += 2 + glob.bytes.length;
    globs.push(glob);
  }
  if (size > globBytesLimit || !nativeFs()) return undefined;
  // A root past PATH_MAX (the walk opens it in steps) has no room in the walker's control block.
  if (query.roots.some((root) => toBytes(root).length >= prefixLimit)) return undefined;
  const walker = compiledWalker();
  return walker ? { walker, globs } : undefined;
}

export async function findCompiled(
  query: FindQuery,
  sink: FindSink,
  options: FindRunOptions,
  { walker, globs }: CompiledFind,
): Promise<FindResult> {
  const native = nativeFs();
  if (!native) throw new Error("findCompiled: no native layer");
  const total: FindResult = { matched: 0, dirs: 0, entries: 0, errors: 0, walker: "compiled" };
  const report = (error: WalkError) => {
    total.errors++;
    options.onError?.(error);
  };
  /** Matches of the root being walked so far (progress). */
  let current = () => 0;
  const findRoot = async (root: FsPath): Promise<void> => {
    let isDirectory: boolean;
    try {
      isDirectory = statRoot(root, true, native).isDirectory();
    } catch (error) {
      report(walkError(root, "root", error));
      return;
    }
    if (!isDirectory) {
      // A file given as a root is tested like an entry (find -name tests it too).
      add(total, await walkQuery(query, [root], sink, options));
      return;
    }
    let fd: number;
    try {
      fd = native.openDir(root, true);
    } catch (error) {
      report(walkError(root, "readdir", error));
      return;
    }
    // The root and the "/" joinPath puts after it: what comes before every path below.
    const prefix = toBytes(joinPath(root, ""));
    try {
      const result = await walker.walk(
        fd,
        {
          threads: options.threads ?? 1,
          ...(query.maxDepth !== undefined ? { maxDepth: query.maxDepth } : {}),
          hidden: query.hidden,
          ...(query.type ? { type: kindOfType[query.type] } : {}),
          globs,
          ...(options.countOnly ? {} : { separator: options.separator }),
          prefix,
          openFlags: O_RDONLY | O_DIRECTORY | O_CLOEXEC,
          nofollow: O_NOFOLLOW,
        },
        {
          paths: (bytes) => sink.paths?.(bytes),
          error(below, errno, call) {
            const path = below.length === 0 ? root : textIfUtf8(Buffer.concat([prefix, below]));
            report(openDirError(path, below.length > 0, errnoError(errno, call, toText(path))));
          },
          started(matched) {
            current = matched;
          },
        },
        options.signal,
      );
      total.matched += result.matched;
      total.dirs += result.dirs;
      total.entries += result.entries;
    } catch (error) {
      if (!(error instanceof WalkerThreadsUnavailable)) throw error;
      // No thread could start (a pids limit): this root takes the JavaScript walk.
      add(total, await walkQuery(query, [root], sink, options));
    } finally {
      native.close(fd);
    }
  };
  // One progress tick for the whole run: roots walked in less than a tick still add up.
  const ticker = setInterval(() => sink.progress?.(total.matched + current()), 100);
  try {
    for (const root of query.roots) {
      if (options.signal?.aborted) break;
      await findRoot(root);
      current = () => 0;
    }
  } finally {
    clearInterval(ticker);
  }
  return total;
}

function add(total: FindResult, result: FindResult): void {
  total.matched += result.matched;
  total.dirs += result.dirs;
  total.entries += result.entries;
  total.errors += result.errors;
}
