/**
 * Go RE2 syntax (what blackbox_exporter's regexes are) as a JavaScript RegExp that matches exactly
 * the same texts. Parsed the way Go's regexp/syntax parses (Perl flags), then written out with the
 * u flag, whose case folding, code points and strict syntax are RE2's; each construct that JS reads
 * differently is spelled out (`.`, `\s`, `(?m)^`, `(?U)`, POSIX classes, octal escapes ...).
 * Valid RE2 with no exact JS spelling (\pN, \p{Greek}) and what Go itself rejects (\Z, \C, \1)
 * throw Re2Error; so does JS-only syntax, except lookarounds, kept as an extension (RE2 has none,
 * so they can mean nothing else).
 */

export interface JsRegex {
  source: string;
  flags: string;
}

/** Not RE2 (Go's regexp.Compile fails too). */
export class Re2Error extends Error {}

/** Valid RE2 with no exact JavaScript equivalent. */
export class Re2Unsupported extends Re2Error {}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

interface Frame {
  /** Flags outside the group, back in force after its ")". */
  outer: Flags;
  /** Whether JS's i flag holds in the group, and in the (?i:...) opened after a (?i) in it. */
  baseI: boolean;
  jsI: boolean;
  wrapped: boolean;
  /** Where the group starts in the output, for a quantifier that follows it. */
  start: number;
  assertion: boolean;
  /** The largest product of nested counts ({n,m}) in the group's finished items, for Go's cap. */
  counts: number;
}

/** What the output ends with, for a quantifier: nothing to repeat, an atom, an assertion... */
type Last = "none" | "atom" | "assertion" | "repeat" | "flags";

// Go's [:name:] classes and \d \s \w, as code point ranges.
const posix: Record<string, [number, number][]> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};
/** Go's \s, \t \n \f \r and space: no \v, no Unicode spaces (JS's \s has both). */
const perlSpaceRanges: [number, number][] = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
];
const maxRune = 0x10ffff;

/** Go's regexp.Compile(pattern) as a JS source and flags; throws Re2Error. */
export function re2ToJs(pattern: string): JsRegex {
  return new Translator(pattern).run();
}

class Translator {
  private pos = 0;
  private out = "";
  private flags: Flags = { i: false, m: false, s: false, U: false };
  private globalI = false;
  private readonly frames: Frame[] = [];
  private last: Last = "none";
  private lastStart = 0;
  /** The nested counts' product of the last item (what a quantifier repeats). */
  private lastCounts = 0;
  private readonly names = new Set<string>();

  constructor(private readonly text: string) {
    this.frames.push({
      outer: this.flags,
      baseI: false,
      jsI: false,
      wrapped: false,
      start: 0,
      assertion: false,
      counts: 0,
    });
  }

  run(): JsRegex {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text[this.pos];
      switch (c) {
        case "(":
          this.openGroup();
          break;
        case ")":
          this.closeGroup();
          break;
        case "|":
          this.alternative();
          break;
        case "^":
          this.pos++;
          this.assertion(this.flags.m ? "(?<![^\\n])" : "^");
          break;
        case "$":
          this.pos++;
          this.assertion(this.flags.m ? "(?![^\\n])" : "$");
          break;
        case ".":
          this.pos++;
          this.atom(this.flags.s ? "[^]" : "[^\\n]");
          break;
        case "[":
          this.atom(this.charClass());
          break;
        case "*":
        case "+":
        case "?":
          this.pos++;
          this.repeat(c, c);
          break;
        case "{":
          this.brace();
          break;
        case "\\":
          this.escape();
          break;
        default:
          this.atom(literal(this.rune()));
      }
    }
    if (this.frames.length > 1) this.fail("missing closing )");
    if (this.frame.wrapped) this.out += ")";
    return { source: this.out, flags: this.globalI ? "iu" : "u" };
  }

  private get frame(): Frame {
    return this.frames[this.frames.length - 1] as Frame;
  }

  private fail(reason: string): never {
    throw new Re2Error(reason);
  }

  private unsupported(what: string, hint: string): never {
    throw new Re2Unsupported(`${what} has no exact JavaScript equivalent; ${hint}`);
  }

  /** The code point at pos, consumed; a lone surrogate is not text Go could hold. */
  private rune(): number {
    const code = this.text.codePointAt(this.pos) as number;
    if (code >= 0xd800 && code <= 0xdfff) this.fail("invalid UTF-8 (a lone surrogate)");
    this.pos += code > 0xffff ? 2 : 1;
    return code;
  }

  /** The last item is done: its counts go into its group's. */
  private finishItem(): void {
    this.frame.counts = Math.max(this.frame.counts, this.lastCounts);
    this.lastCounts = 0;
  }

  private atom(js: string): void {
    this.finishItem();
    this.lastCounts = 1;
    this.lastStart = this.out.length;
    this.out += js;
    this.last = "atom";
  }

  private assertion(js: string): void {
    this.finishItem();
    this.lastCounts = 1;
    this.lastStart = this.out.length;
    this.out += js;
    this.last = "assertion";
  }

  private repeat(op: string, shown: string, count?: { min: number; max: number }): void {
    let lazy = this.flags.U;
    if (this.text[this.pos] === "?") {
      this.pos++;
      lazy = !lazy;
      shown += "?";
    }
    if (this.last === "repeat") this.fail(`invalid nested repetition operator: ${shown}`);
    if (this.last === "none") this.fail(`missing argument to repetition operator: ${shown}`);
    if (this.last === "flags")
      this.unsupported(
        `${shown} right after a flag group (it repeats what comes before the group)`,
        "move the flags",
      );
    if (count) this.countRepeat(count, shown);
    // JS repeats no assertion, Go does (^+OK is in blackbox's own README): repeat a group of it.
    if (this.last === "assertion")
      this.out = `${this.out.slice(0, this.lastStart)}(?:${this.out.slice(this.lastStart)})`;
    this.out += lazy ? `${op}?` : op;
    this.last = "repeat";
  }

  /**
   * Go's repeatIsValid: nested counts multiply (a {0} ends the product, {n,} counts n) and a
   * count of 2 or more refuses a product over 1000.
   */
  private countRepeat({ min, max }: { min: number; max: number }, shown: string): void {
    const times = max === 0 ? 0 : Math.max(1, max < 0 ? min : max);
    this.lastCounts *= times;
    if ((min >= 2 || max >= 2) && this.lastCounts > 1000)
      this.fail(`invalid repeat count: ${shown}`);
  }

  /** {n}, {n,}, {n,m} as Go reads them; anything else is a literal {. */
  private brace(): void {
    const match = /^\{(0|[1-9][0-9]*)(,(0|[1-9][0-9]*)?)?\}/.exec(this.text.slice(this.pos));
    if (!match) {
      this.pos++;
      this.atom("\\{");
      return;
    }
    const [shown, minText, comma, maxText] = match;
    const min = Number(minText);
    const max = comma === undefined ? min : maxText === undefined ? -1 : Number(maxText);
    if (min > 1000 || max > 1000 || (max >= 0 && min > max))
      this.fail(`invalid repeat count: ${shown}`);
    this.pos += shown.length;
    this.repeat(`{${min}${comma === undefined ? "" : `,${max < 0 ? "" : max}`}}`, shown, {
      min,
      max,
    });
  }

  private alternative(): void {
    this.pos++;
    this.finishItem();
    const frame = this.frame;
    this.out += frame.wrapped ? `)|${frame.jsI ? "(?i:" : "(?-i:"}` : "|";
    this.last = "none";
  }

  private push(open: string, flags: Flags, assertion: boolean): void {
    this.finishItem();
    const jsI = this.frame.jsI;
    this.frames.push({
      outer: this.flags,
      baseI: flags.i,
      jsI: flags.i,
      wrapped: false,
      start: this.out.length,
      assertion,
      counts: 0,
    });
    // A group whose i differs from the JS flag around it says so: (?i:...) or (?-i:...).
    this.out += open === "(?:" && flags.i !== jsI ? (flags.i ? "(?i:" : "(?-i:") : open;
    this.flags = flags;
    this.last = "none";
  }

  private openGroup(): void {
    const rest = this.text.slice(this.pos);
    if (!rest.startsWith("(?")) {
      this.pos++;
      this.push("(", this.flags, false);
      return;
    }
    const look = /^\(\?(=|!|<=|<!)/.exec(rest);
    if (look) {
      this.pos += look[0].length;
      this.push(look[0], this.flags, true);
      return;
    }
    const named = /^\(\?P?<([^>]*)>/.exec(rest);
    if (named) {
      const name = named[1] as string;
      if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail(`invalid named capture: ${named[0]}`);
      this.pos += named[0].length;
      // Go allows names JS does not (a leading digit, the same name twice): the group is the same.
      const jsName = /^[A-Za-z_]/.test(name) && !this.names.has(name);
      if (jsName) this.names.add(name);
      this.push(jsName ? `(?<${name}>` : "(", this.flags, false);
      return;
    }
    const group = /^\(\?([imsU]*)(?:-([imsU]+))?([:)])/.exec(rest);
    if (!group) {
      const shown = /^\(\?.?/u.exec(rest)?.[0] ?? "(?";
      const hint = rest.startsWith("(?P=")
        ? " (backreferences are not RE2)"
        : "; RE2's flags are i, m, s and U";
      this.fail(`invalid or unsupported Perl syntax: ${shown}${hint}`);
    }
    this.pos += group[0].length;
    const flags = { ...this.flags };
    for (const flag of group[1] as string) flags[flag as keyof Flags] = true;
    for (const flag of group[2] ?? "") flags[flag as keyof Flags] = false;
    if (group[3] === ":") this.push("(?:", flags, false);
    else this.setFlags(flags);
  }

  /** (?flags): in force to the end of the group, across its | too. */
  private setFlags(flags: Flags): void {
    const frame = this.frame;
    if (this.frames.length === 1 && this.out === "") {
      // Leading flags: (?i) is the whole pattern's i flag.
      this.globalI = frame.baseI = frame.jsI = flags.i;
    } else if (flags.i !== frame.jsI) {
      if (frame.wrapped) this.out += ")";
      frame.wrapped = flags.i !== frame.baseI;
      if (frame.wrapped) this.out += flags.i ? "(?i:" : "(?-i:";
      frame.jsI = flags.i;
    }
    this.flags = flags;
    this.last = "flags";
  }

  private closeGroup(): void {
    if (this.frames.length === 1) this.fail("unexpected )");
    this.pos++;
    this.finishItem();
    const frame = this.frames.pop() as Frame;
    this.lastCounts = frame.counts;
    if (frame.wrapped) this.out += ")";
    this.out += ")";
    this.flags = frame.outer;
    this.lastStart = frame.start;
    this.last = frame.assertion ? "assertion" : "atom";
  }

  private escape(): void {
    const next = this.text[this.pos + 1] ?? "";
    if (next === "Q") {
      const end = this.text.indexOf("\\E", this.pos + 2);
      const quoted = this.text.slice(this.pos + 2, end < 0 ? undefined : end);
      this.pos = end < 0 ? this.text.length : end + 2;
      for (const char of quoted) this.atom(literal(char.codePointAt(0) as number));
      return;
    }
    const assertions: Record<string, string> = {
      A: "^",
      z: "$",
      // JS's \b under i also counts ſ and K (Kelvin) as word characters; RE2's never does.
      b: this.flags.i ? "(?-i:\\b)" : "\\b",
      B: this.flags.i ? "(?-i:\\B)" : "\\B",
    };
    const classes: Record<string, string> = {
      d: "\\d",
      D: "\\D",
      w: "\\w",
      W: "\\W",
      s: `[${ranges(perlSpaceRanges)}]`,
      S: `[^${ranges(perlSpaceRanges)}]`,
    };
    if (assertions[next] !== undefined || classes[next] !== undefined) {
      this.pos += 2;
      if (assertions[next] !== undefined) this.assertion(assertions[next]);
      else this.atom(classes[next] as string);
      return;
    }
    this.unicodeClass();
    this.atom(literal(this.escapedRune()));
  }

  /** \pN, \p{Greek}, \PL: JS's categories and case folding of them differ in small ways. */
  private unicodeClass(): void {
    const match = /^\\[pP](\{[^}]*\}|.)/u.exec(this.text.slice(this.pos));
    if (match)
      this.unsupported(
        `the Unicode class ${match[0]}`,
        "list the characters or ranges instead (e.g. [0-9], [[:alpha:]], [α-ω])",
      );
  }

  /** Go's parseEscape: one character written with a backslash. */
  private escapedRune(): number {
    const { text } = this;
    const start = this.pos;
    this.pos++;
    if (this.pos >= text.length) this.fail("trailing backslash at end of expression");
    const c = this.rune();
    const char = String.fromCodePoint(c);
    const octal = (d: string | undefined) => d !== undefined && d >= "0" && d <= "7";
    if (c < 0x80 && !/[0-9A-Za-z]/.test(char)) return c;
    if (char === "0" || (char >= "1" && char <= "7" && octal(text[this.pos]))) {
      let value = c - 0x30;
      for (let i = 1; i < 3 && octal(text[this.pos]); i++)
        value = value * 8 + (text.charCodeAt(this.pos++) - 0x30);
      return value;
    }
    if (char === "x") {
      const hex = /^\{([0-9A-Fa-f]+)\}|^([0-9A-Fa-f]{2})/.exec(text.slice(this.pos));
      const value = hex ? Number.parseInt((hex[1] ?? hex[2]) as string, 16) : -1;
      if (hex && value <= maxRune) {
        this.pos += hex[0].length;
        return value;
      }
    }
    const named = ({ a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 } as Record<string, number>)[char];
    if (named !== undefined) return named;
    const shown = text.slice(start, this.pos);
    if (char >= "1" && char <= "9")
      this.fail(`invalid escape sequence: ${shown} (backreferences are not RE2)`);
    if (char === "Z")
      this.fail("invalid escape sequence: \\Z (not RE2; \\z is the end of the text)");
    if (char === "C") this.fail("invalid escape sequence: \\C (any byte; RE2 has no such thing)");
    this.fail(`invalid escape sequence: ${shown}`);
  }

  /** A [...] class as Go parses it, written with every special character escaped. */
  private charClass(): string {
    const { text } = this;
    this.pos++;
    let js = "[";
    if (text[this.pos] === "^") {
      js += "^";
      this.pos++;
    }
    let first = true;
    while (first || text[this.pos] !== "]") {
      if (this.pos >= text.length) this.fail("missing closing ]");
      first = false;
      const rest = text.slice(this.pos);
      if (rest.startsWith("[:")) {
        const end = rest.indexOf(":]", 2);
        if (end >= 0) {
          js += this.posixClass(rest.slice(0, end + 2));
          this.pos += end + 2;
          continue;
        }
      }
      const perl = /^\\([dDwWsS])/.exec(rest);
      if (perl) {
        const letter = perl[1] as string;
        this.pos += 2;
        if (letter === "s") js += ranges(perlSpaceRanges);
        else if (letter === "S") js += ranges(complement(perlSpaceRanges));
        else js += `\\${letter}`;
        continue;
      }
      if (rest.startsWith("\\")) this.unicodeClass();
      const low = this.classRune();
      let high = low;
      if (text[this.pos] === "-" && this.pos + 1 < text.length && text[this.pos + 1] !== "]") {
        this.pos++;
        high = this.classRune();
        if (high < low)
          this.fail(
            `invalid character class range: ${String.fromCodePoint(low)}-${String.fromCodePoint(high)}`,
          );
      }
      js += ranges([[low, high]]);
    }
    this.pos++;
    return `${js}]`;
  }

  private classRune(): number {
    if (this.pos >= this.text.length) this.fail("missing closing ]");
    return this.text[this.pos] === "\\" ? this.escapedRune() : this.rune();
  }

  /**
   * [:alpha:] as its ASCII ranges. A negated one under (?i) is the complement of its case-folded
   * set, as Go builds it: JS would fold the complement and match a letter's other case.
   */
  private posixClass(name: string): string {
    const negated = name[2] === "^";
    const set = posix[name.slice(negated ? 3 : 2, -2)];
    if (!set) this.fail(`invalid character class range: ${name}`);
    if (!negated) return ranges(set);
    return ranges(complement(this.flags.i ? folded(set) : set));
  }
}

/** An ASCII set with every other case of its letters: swapped case, ſ for s, K (Kelvin) for k. */
function folded(set: [number, number][]): [number, number][] {
  const out: [number, number][] = [...set];
  for (const [low, high] of set)
    for (let c = low; c <= high; c++) {
      const char = String.fromCharCode(c);
      const other = char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase();
      if (other !== char) out.push([other.charCodeAt(0), other.charCodeAt(0)]);
      if (char === "s" || char === "S") out.push([0x17f, 0x17f]);
      if (char === "k" || char === "K") out.push([0x212a, 0x212a]);
    }
  return out;
}

/** Every code point not in the ranges. */
function complement(set: [number, number][]): [number, number][] {
  const sorted = [...set].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [low, high] of sorted) {
    if (low > next) out.push([next, low - 1]);
    next = Math.max(next, high + 1);
  }
  if (next <= maxRune) out.push([next, maxRune]);
  return out;
}

function ranges(set: [number, number][]): string {
  return set
    .map(([low, high]) => (low === high ? classChar(low) : `${classChar(low)}-${classChar(high)}`))
    .join("");
}

/** Controls, line separators, surrogates, private use, the BOM, specials and the last planes. */
const hidden: [number, number][] = [
  [0x00, 0x1f],
  [0x7f, 0x9f],
  [0x2028, 0x2029],
  [0xd800, 0xf8ff],
  [0xfeff, 0xfeff],
  [0xfff0, 0xffff],
  [0xf0000, maxRune],
];
const controls: Record<number, string> = { 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r" };

/** A code point as itself where JS reads it so, else escaped. */
function spelled(c: number, special: string): string {
  const char = String.fromCodePoint(c);
  if (special.includes(char)) return `\\${char}`;
  if (controls[c]) return controls[c];
  return hidden.some(([low, high]) => c >= low && c <= high) ? `\\u{${c.toString(16)}}` : char;
}

function literal(c: number): string {
  return spelled(c, "\\^$.*+?()[]{}|/");
}

function classChar(c: number): string {
  return spelled(c, "\\]^-[");
}
