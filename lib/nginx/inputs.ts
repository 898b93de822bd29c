/** Command-line inputs -> an ordered list of sources: files, globs, rotated sets, stdin. */
import { statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

export type Source =
  | { kind: "stdin" }
  | { kind: "file"; path: string; size: number; gzip: boolean }
  /** A named pipe or <(process substitution): no size, read once as a stream. */
  | { kind: "pipe"; path: string; gzip: boolean };

const globChars = /[*?[{]/;

/** access.log.3.gz -> { base: "access.log", generation: 3 }; access.log -> generation -1. */
function rotation(path: string): { base: string; generation: number } {
  const name = basename(path).replace(/\.gz$/, "");
  const match = /^(.*)\.(\d+)$/.exec(name);
  if (match) return { base: join(dirname(path), match[1] ?? ""), generation: Number(match[2]) };
  return { base: join(dirname(path), name), generation: -1 };
}

/** Oldest first: access.log.10.gz ... access.log.2.gz, access.log.1, access.log. */
export function sortRotated(paths: string[]): string[] {
  return [...paths].sort((a, b) => {
    const ra = rotation(a);
    const rb = rotation(b);
    if (ra.base !== rb.base) return ra.base < rb.base ? -1 : 1;
    const ga = ra.generation < 0 ? -Infinity : ra.generation;
    const gb = rb.generation < 0 ? -Infinity : rb.generation;
    if (ga !== gb) return gb - ga;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

export interface ExpandedInputs {
  sources: Source[];
  /** "input: reason" for inputs that could not be used. */
  errors: string[];
}

export function expandInputs(inputs: string[], cwd: string): ExpandedInputs {
  const errors: string[] = [];
  const paths: string[] = [];
  const sources: Source[] = [];
  let stdinUsed = false;
  for (const input of inputs) {
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
  for (const path of paths) {
    const full = resolve(cwd, path);
    try {
      const stat = statSync(full);
      if (stat.isDirectory()) {
        errors.push(
          `${path}: is a directory (give files or a glob like ${join(path, "access.log*")})`,
        );
        continue;
      }
      const gzip = path.endsWith(".gz");
      if (!stat.isFile()) sources.push({ kind: "pipe", path: full, gzip });
      else sources.push({ kind: "file", path: full, size: stat.size, gzip });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      errors.push(
        `${path}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message}`,
      );
    }
  }
  return { sources, errors };
}
