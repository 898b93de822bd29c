/** goExpand, findSubmatchIndex and subexpNames against Go 1.26's regexp (answers pasted from it). */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${1} is Go's Expand syntax, not JS's.
import { describe, expect, test } from "bun:test";
import { regex } from "../../lib/exporter/fields.ts";
import { goExpand } from "../../lib/exporter/go-expand.ts";
import { findSubmatchIndex, subexpNames } from "../../lib/exporter/go-match.ts";

/** re.Expand(nil, template, src, re.FindSubmatchIndex(src)) as blackbox calls it. */
function expand(pattern: string, line: string | Uint8Array, template: string): Buffer {
  const re = regex(pattern, "expect");
  const src = typeof line === "string" ? Buffer.from(line) : line;
  const match = findSubmatchIndex(re, src);
  if (!match) throw new Error(`${pattern} does not match`);
  return goExpand(template, subexpNames(re), src, match);
}

describe("Regexp.Expand, as Go answers", () => {
  test.each([
    ["^:[^ ]+ PING (.+)$", ":irc.example.net PING :LAG1234", "PONG ${1}", "PONG :LAG1234"],
    ["^:[^ ]+ PING (.+)$", ":irc.example.net PING :LAG1234", "PONG $1", "PONG :LAG1234"],
    ["(\\w+) (\\w+)", "hello world", "${2}x ${1}", "worldx hello"],
    // $1x is the group named "1x": none, so nothing.
    ["(\\w+) (\\w+)", "hello world", "$1x|$2", "|world"],
    ["(\\w+) (\\w+)", "hello world", "$$1 costs $", "$1 costs $"],
    ["(\\w+) (\\w+)", "hello world", "$ a", "$ a"],
    ["(\\w+) (\\w+)", "hello world", "${1", "${1"],
    ["(\\w+) (\\w+)", "hello world", "${}", "${}"],
    ["(\\w+) (\\w+)", "hello world", "[$0]", "[hello world]"],
    ["(\\w+) (\\w+)", "hello world", "[$01][$00][$3][$123456789][$1234567890]", "[][][][][]"],
    [
      "(?P<user>\\w+)@(?P<host>[\\w.]+)",
      "mail bob@example.org now",
      "${user} at $host-$user.x $userx ${host}",
      "bob at example.org-bob.x  example.org",
    ],
    [
      "(?P<user>\\w+)@(?P<host>[\\w.]+)",
      "mail bob@example.org now",
      "${2}/${0}/$é/$١",
      "example.org/bob@example.org//",
    ],
    ["(a)?b", "b", "[$1][${1}]", "[][]"],
    ["x(é+)(?<tail>\\w)?", "xééy", "$1|$tail|${0}", "éé|y|xééy"],
    ["x(é+)(?<tail>\\w)?", "xéé", "$1|$tail|${0}", "éé||xéé"],
    ["(?i)(?:a|(b))(c)", "BC", "$1-$2", "B-C"],
    ["\\Q(x)\\E(y)", "(x)y", "$1", "y"],
    ["[(](x)[)]", "(x)", "$1", "x"],
    ["(?P<n_1>a)", "a", "$n_1 ${n_1}", "a a"],
  ])("%p on %p: %p", (pattern, line, template, want) => {
    expect(expand(pattern, line, template).toString()).toBe(want);
  });

  test("offsets are bytes of the line as received: a group keeps bytes that are not UTF-8", () => {
    const line = Buffer.from([0x3c, 0xe2, 0x82, 0x3e]);
    const re = regex("<(.*)>", "expect");
    expect(findSubmatchIndex(re, line)).toEqual([0, 4, 1, 3]);
    expect([...expand("<(.*)>", line, "[$1]")]).toEqual([0x5b, 0xe2, 0x82, 0x5d]);
  });

  test("Go's match indices and group names", () => {
    const re = regex("x(é+)(?<tail>\\w)?", "expect");
    expect(findSubmatchIndex(re, Buffer.from("xéé"))).toEqual([0, 5, 1, 5, -1, -1]);
    expect(subexpNames(re)).toEqual(["", "", "tail"]);
    expect(subexpNames(regex("[(](?:a)(?=b)(?<!c)\\((?P<n>d)", "expect"))).toEqual(["", "n"]);
  });
});
