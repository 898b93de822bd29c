/**
 * Go's FindSubmatchIndex and SubexpNames for a regex translated from RE2 (fields.ts regex()):
 * byte offsets into the bytes Go's regexp would have read, for goExpand.
 */
import { decodeGoUtf8 } from "./go-utf8.ts";

const withIndices = new WeakMap<RegExp, RegExp>();
const groupNames = new WeakMap<RegExp, string[]>();

/**
 * The names of the capturing groups by number, "" when unnamed (index 0 is the whole match), read
 * from the JS source: `(` opens a group unless `(?` follows, `(?<name>` is a named one.
 */
export function subexpNames(re: RegExp): string[] {
  const known = groupNames.get(re);
  if (known) return known;
  const names = [""];
  const source = re.source;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === "\\") i++;
    else if (inClass) inClass = char !== "]";
    else if (char === "[") inClass = true;
    else if (char === "(") {
      if (source[i + 1] !== "?") names.push("");
      else if (source[i + 2] === "<" && !"=!".includes(source[i + 3] ?? "=")) {
        const close = source.indexOf(">", i);
        names.push(source.slice(i + 3, close));
      }
    }
  }
  groupNames.set(re, names);
  return names;
}

/** Leftmost-first match of `re` in `src`: [start, end] byte offsets per group, -1 when unset. */
export function findSubmatchIndex(re: RegExp, src: Uint8Array): number[] | undefined {
  let indexed = withIndices.get(re);
  if (!indexed) {
    indexed = new RegExp(re.source, `${re.flags.replace(/[dgy]/g, "")}d`);
    withIndices.set(re, indexed);
  }
  const { text, byteAt } = decodeGoUtf8(src);
  const match = indexed.exec(text);
  if (!match?.indices) return undefined;
  const out: number[] = [];
  for (const span of match.indices) {
    if (span) out.push(byteAt[span[0]] as number, byteAt[span[1]] as number);
    else out.push(-1, -1);
  }
  return out;
}
