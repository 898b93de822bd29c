/**
 * The four record regex lists against blackbox_exporter's own test cases (prober/dns_test.go,
 * TestAuthoritativeDNSResponse): same records, same regexes, same outcome.
 */
import { describe, expect, test } from "bun:test";
import {
  parseRrValidator,
  type RrValidator,
  rrProblem,
} from "../../lib/exporter/checks/dns-rrs.ts";

// authoritativeDNSHandler's answer to "example.com A" (as miekg prints it).
const answer = ["example.com.\t3600\tIN\tA\t127.0.0.1"];
const authority = [
  "example.com.\t7200\tIN\tNS\tns1.isp.net.",
  "example.com.\t7200\tIN\tNS\tns2.isp.net.",
];
const additional = [
  "ns1.isp.net.\t7200\tIN\tA\t127.0.0.1",
  "ns1.isp.net.\t7200\tIN\tAAAA\t::1",
  "ns2.isp.net.\t7200\tIN\tA\t127.0.0.2",
];
const validator = (raw: Record<string, string[]>): RrValidator =>
  parseRrValidator({ v: raw }, "v", "dns");
const passes = (records: string[], raw: Record<string, string[]>) =>
  rrProblem("record", records, validator(raw)) === undefined;

describe("blackbox_exporter's cases", () => {
  test("answer: fail_if_matches and fail_if_not_matches together", () => {
    expect(
      passes(answer, {
        fail_if_matches_regexp: [".*3600.*"],
        fail_if_not_matches_regexp: [".*3600.*"],
      }),
    ).toBe(false);
    expect(
      passes(answer, {
        fail_if_matches_regexp: [".*7200.*"],
        fail_if_not_matches_regexp: [".*7200.*"],
      }),
    ).toBe(false);
  });

  test("authority: fail_if_not_matches_regexp", () => {
    expect(passes(authority, { fail_if_not_matches_regexp: ["ns.*.isp.net"] })).toBe(true);
  });

  test("additional: ^ anchors at the owner name, not at the data", () => {
    expect(passes(additional, { fail_if_not_matches_regexp: ["^ns.*.isp"] })).toBe(true);
    expect(passes(additional, { fail_if_matches_regexp: ["^ns.*.isp"] })).toBe(false);
  });

  test("additional: fail_if_all_match_regexp fails when the AAAA record does not match", () => {
    expect(passes(additional, { fail_if_all_match_regexp: [".*127.0.0.*"] })).toBe(false);
    expect(passes(additional, { fail_if_all_match_regexp: ["^ns[12]\\.isp\\.net\\."] })).toBe(true);
  });

  test("additional: fail_if_none_matches_regexp", () => {
    expect(passes(additional, { fail_if_none_matches_regexp: [".*127.0.0.3.*"] })).toBe(false);
    expect(
      passes(additional, { fail_if_none_matches_regexp: [".*127.0.0.3.*", "\\tAAAA\\t::1$"] }),
    ).toBe(true);
  });
});

describe("several regexes and no records", () => {
  test("fail_if_not_matches_regexp: every record must match every regex", () => {
    expect(passes(additional, { fail_if_not_matches_regexp: ["isp", "\\tA\\t"] })).toBe(false);
    expect(passes(additional, { fail_if_not_matches_regexp: ["isp", "\\t7200\\t"] })).toBe(true);
  });

  test("fail_if_matches_regexp: any regex matching any record fails", () => {
    expect(passes(additional, { fail_if_matches_regexp: ["nomatch", "\\tAAAA\\t"] })).toBe(false);
  });

  test("no record: only fail_if_not_matches and fail_if_none_matches fail", () => {
    const any = [".*"];
    expect(passes([], { fail_if_matches_regexp: any, fail_if_all_match_regexp: any })).toBe(true);
    expect(rrProblem("authority record", [], validator({ fail_if_not_matches_regexp: any }))).toBe(
      "no authority record to match fail_if_not_matches_regexp .*",
    );
    expect(passes([], { fail_if_none_matches_regexp: any })).toBe(false);
  });
});

describe("settings", () => {
  test("unknown keys and bad regexes name the key", () => {
    expect(() => validator({ fail_if_all_matches_regexp: ["x"] })).toThrow(
      'dns.v: unknown key "fail_if_all_matches_regexp"',
    );
    expect(() => validator({ fail_if_none_matches_regexp: ["ok", "(open"] })).toThrow(
      "dns.v.fail_if_none_matches_regexp[1]: not a valid regular expression",
    );
  });
});
