/**
 * Go's Regexp.Expand (regexp.go expand/extract), as blackbox_exporter builds a tcp `send` and the
 * `labels` of probe_expect_info from the line `expect` matched: `$1`, `${1}`, `$name`, `${name}`
 * copy the group's bytes, `$$` is a "$". A name is taken greedily (letters, digits, _): `$1x` is
 * the group named "1x", so empty; write `${1}x`. A group that does not exist or did not take part
 * in the match gives nothing; a `$` with no name after it is kept as is.
 */

/** Letters and decimal digits as Go's unicode.IsLetter / unicode.IsDigit see them, and "_". */
const nameChar = /^[\p{L}\p{Nd}_]$/u;

interface Reference {
  name: string;
  /** The group number, or -1 for a name (digits only, no leading zero, below 1e9). */
  num: number;
  rest: string;
}

/** Go's extract: the name after a "$" (already removed), bare or in braces. */
function extract(text: string): Reference | undefined {
  const brace = text.startsWith("{");
  const str = brace ? text.slice(1) : text;
  let end = 0;
  for (const char of str) {
    if (!nameChar.test(char)) break;
    end += char.length;
  }
  if (end === 0) return undefined;
  const name = str.slice(0, end);
  if (brace) {
    if (str[end] !== "}") return undefined;
    end++;
  }
  let num = 0;
  for (const char of name) {
    if (char < "0" || char > "9" || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + Number(char);
  }
  if (name.length > 1 && name.startsWith("0")) num = -1;
  return { name, num, rest: str.slice(end) };
}

/**
 * `template` expanded with `match` (Go's FindSubmatchIndex on `src`: byte offsets, -1 for a group
 * that did not match); `names` are the groups' names by number ("" when unnamed), Go's SubexpNames.
 */
export function goExpand(
  template: string,
  names: readonly string[],
  src: Uint8Array,
  match: readonly number[],
): Buffer {
  const out: Uint8Array[] = [];
  const group = (index: number) => {
    const start = match[2 * index] ?? -1;
    if (start >= 0) out.push(src.subarray(start, match[2 * index + 1]));
    return start >= 0;
  };
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf("$");
    if (dollar < 0) break;
    out.push(Buffer.from(rest.slice(0, dollar)));
    rest = rest.slice(dollar + 1);
    if (rest.startsWith("$")) {
      out.push(Buffer.from("$"));
      rest = rest.slice(1);
      continue;
    }
    const reference = extract(rest);
    if (!reference) {
      out.push(Buffer.from("$"));
      continue;
    }
    rest = reference.rest;
    if (reference.num >= 0) group(reference.num);
    // The first group of that name that took part in the match.
    else names.some((name, index) => name === reference.name && group(index));
  }
  out.push(Buffer.from(rest));
  return Buffer.concat(out);
}
