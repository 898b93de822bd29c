/**
 * Shell globs on a file name (like find -name): * ? [abc] [!a-z] {a,b} and \ escapes.
 * Compiled once to the cheapest test that is exact: equality, a suffix, a prefix, or a RegExp.
 */
export type NameMatcher = (name: string) => boolean;
/** The same test on a name's bytes buf[start, end) (the native walker's names). */
export type ByteNameMatcher = (buf: Uint8Array, start: number, end: number) => boolean;

/** A name test on bytes: the whole name, its end or its start. */
export interface ByteGlob {
  kind: "exact" | "suffix" | "prefix";
  bytes: Uint8Array;
}

export function compileGlob(pattern: string): NameMatcher {
  if (!/[*?[{\\]/.test(pattern)) return (name) => name === pattern;
  const suffix = /^\*([^*?[{\\]*)$/.exec(pattern);
  if (suffix) {
    const tail = suffix[1] as string;
    return (name) => name.endsWith(tail);
  }
  const prefix = /^([^*?[{\\]*)\*$/.exec(pattern);
  if (prefix) {
    const head = prefix[1] as string;
    return (name) => name.startsWith(head);
  }
  const regex = new RegExp(`^${globToRegexSource(pattern)}$`, "s");
  return (name) => regex.test(name);
}

/** Any of several globs; with none, everything matches. */
export function compileGlobs(patterns: readonly string[]): NameMatcher | undefined {
  if (patterns.length === 0) return undefined;
  const matchers = patterns.map(compileGlob);
  if (matchers.length === 1) return matchers[0];
  return (name) => {
    for (const matcher of matchers) if (matcher(name)) return true;
    return false;
  };
}

/**
 * Byte tests for globs that are an exact name, "*suffix" or "prefix*" of ASCII characters (the
 * common `*.log`); undefined if any pattern needs more, and the caller matches text instead.
 */
export function compileGlobsToBytes(patterns: readonly string[]): ByteNameMatcher | undefined {
  if (patterns.length === 0) return undefined;
  const tests: ByteNameMatcher[] = [];
  for (const pattern of patterns) {
    const test = simpleByteGlob(pattern);
    if (!test) return undefined;
    tests.push(test);
  }
  if (tests.length === 1) return tests[0];
  return (buf, start, end) => {
    for (const test of tests) if (test(buf, start, end)) return true;
    return false;
  };
}

function simpleByteGlob(pattern: string): ByteNameMatcher | undefined {
  const glob = simpleGlob(pattern);
  if (!glob) return undefined;
  const { kind, bytes } = glob;
  if (kind === "exact")
    return (buf, start, end) => end - start === bytes.length && bytesAt(buf, start, bytes);
  if (kind === "suffix")
    return (buf, start, end) =>
      end - start >= bytes.length && bytesAt(buf, end - bytes.length, bytes);
  return (buf, start, end) => end - start >= bytes.length && bytesAt(buf, start, bytes);
}

/** A glob of printable ASCII that is an exact name, "*suffix" or "prefix*"; undefined otherwise. */
export function simpleGlob(pattern: string): ByteGlob | undefined {
  if (!/^[\x20-\x7e]*$/.test(pattern)) return undefined;
  const literal = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));
  if (!/[*?[{\\]/.test(pattern)) return { kind: "exact", bytes: literal(pattern) };
  const suffix = /^\*([^*?[{\\]*)$/.exec(pattern);
  if (suffix) return { kind: "suffix", bytes: literal(suffix[1] as string) };
  const prefix = /^([^*?[{\\]*)\*$/.exec(pattern);
  if (prefix) return { kind: "prefix", bytes: literal(prefix[1] as string) };
  return undefined;
}

function bytesAt(buf: Uint8Array, at: number, expected: Uint8Array): boolean {
  for (let i = 0; i < expected.length; i++) if (buf[at + i] !== expected[i]) return false;
  return true;
}

function globToRegexSource(pattern: string): string {
  let out = "";
  let braceDepth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === "\\") {
      const next = pattern[i + 1];
      if (next === undefined) throw new Error(`glob "${pattern}": trailing backslash`);
      out += escapeRegex(next);
      i++;
    } else if (char === "*") out += ".*";
    else if (char === "?") out += ".";
    else if (char === "[") {
      const end = findClassEnd(pattern, i);
      if (end < 0) {
        out += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      out += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, (c) => `\\${c}`)}]`;
      i = end;
    } else if (char === "{") {
      braceDepth++;
      out += "(?:";
    } else if (char === "}" && braceDepth > 0) {
      braceDepth--;
      out += ")";
    } else if (char === "," && braceDepth > 0) out += "|";
    else out += escapeRegex(char);
  }
  if (braceDepth > 0) throw new Error(`glob "${pattern}": unclosed "{"`);
  return out;
}

/** Index of the "]" closing the class opened at `start`, or -1 ("]" first in the class is literal). */
function findClassEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === "!" || pattern[i] === "^") i++;
  if (pattern[i] === "]") i++;
  for (; i < pattern.length; i++) if (pattern[i] === "]") return i;
  return -1;
}

function escapeRegex(char: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(char) ? `\\${char}` : char;
}
