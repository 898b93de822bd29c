/**
 * Go RE2 syntax (blackbox_exporter's regexes) through the exporter's regex reader: what Go's
 * regexp matches, this matches; what has no exact JS equivalent is refused, naming the key, the
 * regex and the construct. Every "matches" row below was checked against Go 1.26's regexp.
 */
import { describe, expect, test } from "bun:test";
import { regex, regexText } from "../../lib/exporter/fields.ts";
import { re2ToJs } from "../../lib/exporter/re2.ts";

const at = "modules.web.http.fail_if_body_matches_regexp[0]";
const compile = (pattern: string) => regex(pattern, at);

// [RE2 pattern, text, whether Go's regexp.MatchString says it matches]
const matches: [string, string, boolean][] = [
  // Leading flag groups and their combinations.
  ["(?i)internal server error", "Internal Server Error", true],
  ["internal server error", "Internal Server Error", false],
  ["(?i)error", "ERROR", true],
  ["(?s)a.b", "a\nb", true],
  ["a.b", "a\nb", false],
  ["(?is)A.B", "a\nb", true],
  ["(?i)(?s)A.B", "a\nb", true],
  ["(?i-s)A.B", "a\nb", false],
  // Without (?m), ^ and $ are the whole text's start and end, as Go (and blackbox) read them.
  ["^healthy", "service\nhealthy\n", false],
  ["(?m)^healthy", "service\nhealthy\n", true],
  ["healthy$", "service healthy\n", false],
  ["(?m)healthy$", "service healthy\n", true],
  ["(?m)^ok$", "ok\r\n", false],
  ["\\Aa", "b\na", false],
  ["(?m)\\Aa", "b\na", false],
  ["a\\z", "a\n", false],
  ["(?m)a\\z", "a\nb", false],
  // Scoped flags, flags in the middle of a group, across its alternatives.
  ["(?i:a)b", "Ab", true],
  ["(?i:a)b", "AB", false],
  ["a(?i)b|c", "C", true],
  ["a(?i)b|c", "AB", false],
  ["((?i)a)b", "AB", false],
  ["(?i)a(?-i)b", "Ab", true],
  ["(?i)a(?-i)b", "aB", false],
  // RE2's case folding is Unicode's: K (Kelvin) and ſ (long s) are k and s.
  ["(?i)k", "\u212a", true],
  ["(?i)s", "\u017f", true],
  ["(?i)[[:^lower:]]", "A", false],
  ["(?i)\\bk", "\u212a", false],
  ["(?i)\\w", "\u212a", true],
  // Named groups, POSIX classes, \Q...\E.
  ["(?P<code>5\\d\\d) error", "502 error", true],
  ["(?<code>5\\d\\d) error", "502 error", true],
  ["^[[:alpha:]]+$", "Healthy", true],
  ["^[[:alpha:]]+$", "Héalthy", false],
  ["[[:^digit:][:space:]]", "1", false],
  ["[[:punct:]]", "!", true],
  ["\\Q1+1=2\\E", "1+1=2", true],
  ["\\Q1+1=2\\E", "11=2", false],
  ["\\Qa.b", "a.b", true],
  ["\\Qa.b", "axb", false],
  // What JS would read otherwise: \s without \v, `.` across \r, octal, \a, literal braces.
  ["\\s", "\v", false],
  ["\\s", "\u00a0", false],
  ["a.b", "a\rb", true],
  ["a.b", "a\u2028b", true],
  ["^.$", "😀", true],
  ["\\12", "\n", true],
  ["\\a", "\x07", true],
  ["a{,2}", "a{,2}", true],
  ["a{01}", "a{01}", true],
  ["\\x{1F600}", "😀", true],
  // ^+OK: Go repeats an assertion (blackbox's own README example), JS refuses to.
  ["^+OK", "+OK", false],
  ["^+OK", "OK", true],
  ["[]a]", "]", true],
  ["[\\d-z]", "-", true],
];

describe("RE2 as Go matches it", () => {
  test.each(matches)("%p on %j: %p", (pattern, text, expected) => {
    expect(compile(pattern).test(text)).toBe(expected);
  });

  test("(?U) swaps greedy and lazy", () => {
    expect(compile("(?U)(a+)(a*?)").exec("aaa")?.slice(0, 3)).toEqual(["aaa", "a", "aa"]);
    expect(compile("(?U)<.+>").exec("<a><b>")?.[0]).toBe("<a>");
    expect(compile("<.+>").exec("<a><b>")?.[0]).toBe("<a><b>");
  });

  test("nested counts up to Go's limit of 1000 are RE2", () => {
    expect(compile("(?:a{10}){100}").test("a".repeat(1000))).toBe(true);
    expect(compile("(?:a{10}){100}").test("a".repeat(999))).toBe(false);
    expect(compile("(?:a{2,}b){500}").test("aab".repeat(500))).toBe(true);
    expect(compile("(?:(?:a{1000}){0}){2}").test("b")).toBe(true);
    expect(compile("(?:a{1000}){0,1}").test("x")).toBe(true);
    expect(compile("(?:a{1000}|b){1}").test("b")).toBe(true);
  });

  test("(?P<name>...) is a JS named group", () => {
    expect(compile("(?i)(?P<word>ERR\\w*)").exec("an error here")?.groups?.word).toBe("error");
  });
});

describe("the JavaScript it becomes", () => {
  test.each([
    ["(?i)error", "error", "iu"],
    ["(?is)a.b", "a[^]b", "iu"],
    ["(?m)^a$", "(?<![^\\n])a(?![^\\n])", "u"],
    ["(?U)a+b*?", "a+?b*", "u"],
    ["a(?i)b|c", "a(?i:b)|(?i:c)", "u"],
    ["(?P<n>a)", "(?<n>a)", "u"],
    ["\\Aa\\z", "^a$", "u"],
    ["[[:alpha:][:digit:]]", "[A-Za-z0-9]", "u"],
    ["\\Qa.b*\\E", "a\\.b\\*", "u"],
    ["^+OK", "(?:^)+OK", "u"],
    ['"status":"ok"', '"status":"ok"', "u"],
    ["\\tA\\t127\\.0\\.0\\.42$", "\\tA\\t127\\.0\\.0\\.42$", "u"],
  ])("%p -> /%s/%s", (pattern, source, flags) => {
    expect(re2ToJs(pattern)).toEqual({ source, flags });
  });

  test("messages show the regex as written, not its translation", () => {
    const re = compile("(?i)internal server error");
    expect(re.source).toBe("internal server error");
    expect(regexText(re)).toBe("(?i)internal server error");
  });
});

describe("refused, naming the key, the regex and the construct", () => {
  test.each([
    ["\\Z", "\\Z (not RE2; \\z is the end of the text)"],
    ["\\C", "\\C (any byte"],
    ["(a)\\1", "\\1 (backreferences are not RE2)"],
    ["(?P<n>a)(?P=n)", "(?P (backreferences are not RE2)"],
    ["(?x)a b", "(?x; RE2's flags are i, m, s and U"],
    ["\\u0041", "invalid escape sequence: \\u"],
    ["[[:alfa:]]", "invalid character class range: [:alfa:]"],
    ["(", "missing closing )"],
    // Go caps nested counts: their product along any path is at most 1000.
    ["(a{100}){100}", "invalid repeat count: {100}"],
    ["(?:(?:a{2})+){600}", "invalid repeat count: {600}"],
    ["(?:a{1000}){1,2}", "invalid repeat count: {1,2}"],
  ])("not RE2: %p", (pattern, reason) => {
    expect(() => compile(pattern)).toThrow(
      `${at}: not a valid regular expression: ${JSON.stringify(pattern)}: `,
    );
    expect(() => compile(pattern)).toThrow(reason);
  });

  test.each([
    ["\\pN", "the Unicode class \\pN has no exact JavaScript equivalent"],
    ["\\p{Greek}+", "the Unicode class \\p{Greek} has no exact JavaScript equivalent"],
    ["[\\PL0-9]", "the Unicode class \\PL has no exact JavaScript equivalent"],
    ["a(?i)*", "* right after a flag group"],
  ])("RE2 without an exact JS equivalent: %p", (pattern, reason) => {
    expect(() => compile(pattern)).toThrow(
      `${at}: unsupported regular expression ${JSON.stringify(pattern)}: ${reason}`,
    );
  });

  test("JS lookarounds stay accepted (RE2 has none, so they mean nothing else)", () => {
    expect(compile("^(?!.*maintenance)").test("ok")).toBe(true);
    expect(compile("^(?!.*maintenance)").test("in maintenance")).toBe(false);
  });
});
