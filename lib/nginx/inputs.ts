/** Command-line inputs -> an ordered list of sources: files, globs, rotated sets, stdin. */
import { statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/**
 * A path as fs opens it: text, or the exact bytes of an argument that is not UTF-8 (a Latin-1
 * file name; its text has U+FFFD in place of those bytes and names nothing).
 */
export type FilePath = string | Buffer;

/** The path as reports and messages show it (lossy for bytes that are not UTF-8). */
export function pathText(path: FilePath): string {
  return typeof path === "string" ? path : path.toString();
}

export type Source =
  | { kind: "stdin" }
  | { kind: "file"; path: FilePath; size: number; gzip: boolean }
  /** A named pipe or <(process substitution): no size, read once as a stream. */
  | { kind: "pipe"; path: FilePath; gzip: boolean };

const globChars = /[*?[{]/;

/**
 * Where a file sits in its rotated set: access.log.3.gz -> { base: "access.log", rank: 0, order: -3 };
 * dateext's access.log-20240101.gz -> rank 1, ordered by its date; access.log (the live file) -> rank 2.
 */
function rotation(path: string): { base: string; rank: number; order: number | string } {
  const name = basename(path).replace(/\.gz$/, "");
  // logrotate dateext: -%Y%m%d (the default), -%Y%m%d%H, -%Y%m%d-%s, .%Y-%m-%d ...
  const dated = /^(.+?)[-.]((?:\d{8}|\d{4}-\d{2}-\d{2})[\d_-]*)$/.exec(name);
  if (dated) return { base: join(dirname(path), dated[1] ?? ""), rank: 1, order: dated[2] ?? "" };
  const match = /^(.*)\.(\d+)$/.exec(name);
  if (match)
    return { base: join(dirname(path), match[1] ?? ""), rank: 0, order: -Number(match[2]) };
  return { base: join(dirname(path), name), rank: 2, order: 0 };
}

/**
 * Oldest first: access.log.10.gz ... access.log.2.gz, access.log.1, then dated ones
 * (access.log-20240101.gz, access.log-20240102), then the live access.log.
 */
export function sortRotated(paths: string[]): string[] {
  return [...paths].sort((a, b) => {
    const ra = rotation(a);
    const rb = rotation(b);
    if (ra.base !== rb.base) return ra.base < rb.base ? -1 : 1;
    if (ra.rank !== rb.rank) return ra.rank - rb.rank;
    if (ra.order !== rb.order) return ra.order < rb.order ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

export interface ExpandedInputs {
  sources: Source[];
  /** "input: reason" for inputs that could not be used. */
  errors: string[];
  /** "input: reason" for inputs skipped on purpose (a file given twice is read once). */
  warnings: string[];
}

/** inputs: arguments as text, or as bytes when they are not UTF-8 (lib/cli/raw-arguments.ts). */
export function expandInputs(inputs: (string | Buffer)[], cwd: string): ExpandedInputs {
  const errors: string[] = [];
  const warnings: string[] = [];
  const paths: (string | Buffer)[] = [];
  const sources: Source[] = [];
  /** dev:ino of the files taken: `access.log 'access.log*'` must not count the live log twice. */
  const taken = new Map<string, string>();
  let stdinUsed = false;
  for (const input of inputs) {
    // Bytes are a literal path: a glob is matched as text.
    if (typeof input !== "string") {
      paths.push(input);
      continue;
    }
    if (input === "-") {
      if (!stdinUsed) sources.push({ kind: "stdin" });
      stdinUsed = true;
      continue;
    }
    if (globChars.test(input)) {
      // Walk only from the literal directory before the first wildcard ("/var/log/nginx").
      const firstWild = input.search(globChars);
      const slash = input.lastIndexOf("/", firstWild);
      const base = slash < 0 ? cwd : resolve(cwd, input.slice(0, slash) || "/");
      const pattern = slash < 0 ? input : input.slice(slash + 1);
      const glob = new Bun.Glob(pattern);
      let matches: string[] = [];
      try {
        matches = [...glob.scanSync({ cwd: base, onlyFiles: true, dot: true })].map((m) =>
          join(base, m),
        );
      } catch (error) {
        errors.push(`${input}: ${(error as Error).message}`);
        continue;
      }
      if (matches.length === 0) errors.push(`${input}: no file matches`);
      paths.push(...sortRotated(matches));
      continue;
    }
    paths.push(input);
  }
  for (const given of paths) {
    const path = pathText(given);
    const full: FilePath =
      typeof given === "string" ? resolve(cwd, given) : resolveBytes(cwd, given);
    try {
      const stat = statSync(full);
      if (stat.isDirectory()) {
        errors.push(
          `${path}: is a directory (give files or a glob like ${join(path, "access.log*")})`,
        );
        continue;
      }
      const gzip = path.endsWith(".gz");
      if (!stat.isFile()) {
        sources.push({ kind: "pipe", path: full, gzip });
        continue;
      }
      const id = `${stat.dev}:${stat.ino}`;
      const first = taken.get(id);
      if (first !== undefined) {
        warnings.push(`${path}: the same file as ${first}, already given; read once`);
        continue;
      }
      taken.set(id, path);
      sources.push({ kind: "file", path: full, size: stat.size, gzip });
    } catch (error) {
      errors.push(`${path}: ${readError(error)}`);
    }
  }
  return { sources, errors, warnings };
}

/**
 * path.resolve for a path given as bytes: as Latin-1 every byte is one character, so "/" and "."
 * are found as resolve finds them and the other bytes come back unchanged.
 */
function resolveBytes(cwd: string, path: Buffer): Buffer {
  return Buffer.from(
    resolve(Buffer.from(cwd).toString("latin1"), path.toString("latin1")),
    "latin1",
  );
}

/** Why a file could not be read or opened, in the words every nginxlog input error uses. */
export function readError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return (error as Error).message;
}
