/** Config validation: every mistake is an error naming the check and the key; nothing half-applies. */
import { describe, expect, test } from "bun:test";
import { parseExporterConfig } from "../../lib/exporter/config.ts";

const defaults = { interval: 30, timeout: 10 };
const parse = (document: unknown) => parseExporterConfig(document, "checks.yaml", defaults);

describe("parseExporterConfig", () => {
  test("a refused target's password is not printed in the error", () => {
    const refused = () =>
      parse({ checks: [{ name: "a", kind: "http", target: "ftp://probe:s3cret@127.0.0.1/" }] });
    expect(refused).toThrow(
      'checks[0] (a).target "ftp://probe:xxxxx@127.0.0.1/": expected an http(s) URL',
    );
    expect(refused).not.toThrow("s3cret");
  });

  test("defaults, blackbox-style modules and the tls alias", () => {
    const config = parse({
      checks: [
        { name: "a", kind: "http", target: "http://127.0.0.1/" },
        { name: "b", kind: "tls", target: "127.0.0.1:443", interval: "5s", tls: { min_days: 3 } },
      ],
      modules: { http_2xx: { prober: "http", timeout: "5s", http: { valid_status_codes: [200] } } },
    });
    expect(config.checks.map((c) => [c.name, c.kind, c.interval, c.timeout])).toEqual([
      ["a", "http", 30, 10],
      ["b", "cert", 5, 5],
    ]);
    expect(config.modules.get("http_2xx")?.timeout).toBe(5);
  });

  for (const [what, document, message] of [
    [
      "unknown kind",
      { checks: [{ name: "a", kind: "smtp", target: "x" }] },
      'checks[0] (a).kind: "smtp" is not one of',
    ],
    ["missing name", { checks: [{ kind: "file", target: "/tmp" }] }, "checks[0].name: required"],
    [
      "duplicate name",
      {
        checks: [
          { name: "a", kind: "file", target: "/tmp" },
          { name: "a", kind: "file", target: "/var" },
        ],
      },
      'check name "a" used twice',
    ],
    [
      "unknown top key",
      { checks: [{ name: "a", kind: "file", target: "/tmp", intervall: "5s" }] },
      'checks[0] (a): unknown key "intervall"',
    ],
    [
      "unknown kind key",
      { checks: [{ name: "a", kind: "http", target: "http://x/", http: { valid_status: [200] } }] },
      'checks[0] (a).http: unknown key "valid_status"',
    ],
    [
      "misspelt DNS rcode",
      {
        checks: [
          {
            name: "a",
            kind: "dns",
            target: "127.0.0.1",
            dns: { query_name: "x.test", valid_rcodes: ["NXDOMIAN"] },
          },
        ],
      },
      'checks[0] (a).dns.valid_rcodes: "NXDOMIAN" is not one of NOERROR, FORMERR',
    ],
    [
      "bad duration",
      { checks: [{ name: "a", kind: "file", target: "/tmp", interval: "soon" }] },
      'checks[0] (a).interval: "soon" is not a duration',
    ],
    [
      "an interval of milliseconds (a typo of s)",
      { checks: [{ name: "a", kind: "file", target: "/tmp", interval: "30ms" }] },
      "checks[0] (a).interval: 0.03s is under 1s (a typo of s?)",
    ],
    [
      "timeout > interval",
      { checks: [{ name: "a", kind: "file", target: "/tmp", interval: "5s", timeout: "10s" }] },
      "timeout: 10s is longer than the interval (5s)",
    ],
    [
      "reserved label",
      { checks: [{ name: "a", kind: "file", target: "/tmp", labels: { check: "x" } }] },
      "labels.check: not a valid label name or reserved",
    ],
    [
      "bad label name",
      { checks: [{ name: "a", kind: "file", target: "/tmp", labels: { "team-name": "x" } }] },
      "labels.team-name: not a valid label name",
    ],
    [
      "bad regex",
      {
        checks: [
          {
            name: "a",
            kind: "http",
            target: "http://x/",
            http: { fail_if_body_matches_regexp: ["("] },
          },
        ],
      },
      "fail_if_body_matches_regexp[0]: not a valid regular expression",
    ],
    [
      "bad target",
      { checks: [{ name: "a", kind: "tcp", target: "no-port" }] },
      'checks[0] (a).target "no-port": expected host:port',
    ],
    [
      "relative file target",
      { checks: [{ name: "a", kind: "file", target: "spool" }] },
      "expected an absolute directory path",
    ],
    [
      "missing target",
      { checks: [{ name: "a", kind: "http" }] },
      "checks[0] (a).target: required for a http check",
    ],
    [
      "dns without query_name",
      { checks: [{ name: "a", kind: "dns", target: "127.0.0.1" }] },
      "dns.query_name: required",
    ],
    [
      "ssh accept-new",
      {
        checks: [{ name: "a", kind: "ssh", target: "h", ssh: { host_key_checking: "accept-new" } }],
      },
      "a daemon never accepts new keys",
    ],
    [
      "cert and key apart",
      {
        checks: [
          {
            name: "a",
            kind: "http",
            target: "https://x/",
            http: { tls_config: { cert_file: "/c" } },
          },
        ],
      },
      "cert_file and key_file go together",
    ],
    [
      "dns fail_if_no_answer not a boolean",
      {
        checks: [
          {
            name: "a",
            kind: "dns",
            target: "127.0.0.1",
            dns: { query_name: "x.test", fail_if_no_answer: "yes" },
          },
        ],
      },
      "dns.fail_if_no_answer: expected true or false",
    ],
    [
      "dns validate_authority_rrs with a misspelt key",
      {
        checks: [
          {
            name: "a",
            kind: "dns",
            target: "127.0.0.1",
            dns: {
              query_name: "x.test",
              validate_authority_rrs: { fail_if_all_matches_regexp: ["x"] },
            },
          },
        ],
      },
      'checks[0] (a).dns.validate_authority_rrs: unknown key "fail_if_all_matches_regexp"',
    ],
    [
      "dns validate_additional_rrs with a bad regex",
      {
        modules: {
          ns: {
            prober: "dns",
            dns: {
              query_name: "x.test",
              validate_additional_rrs: { fail_if_none_matches_regexp: ["(open"] },
            },
          },
        },
      },
      "modules.ns.dns.validate_additional_rrs.fail_if_none_matches_regexp[0]: not a valid regular expression",
    ],
    ["checks not a list", { checks: { a: 1 } }, "checks: expected a list"],
    ["modules not a mapping", { modules: [1] }, "modules: expected a mapping"],
  ] as const) {
    test(`rejects ${what}`, () => {
      expect(() => parse(document)).toThrow(message);
    });
  }

  test("a tcp expect label named as one of the check's labels is refused: it would replace it", () => {
    const tcp = (labels: Record<string, string>) => ({
      kind: "tcp",
      target: "127.0.0.1:22",
      labels,
      tcp: {
        query_response: [
          { expect: "^SSH" },
          { expect: "^SSH-2\\.0-(\\S+)", labels: [{ name: "software", value: "$1" }] },
        ],
      },
    });
    expect(() => parse({ checks: [{ name: "a", ...tcp({ software: "sshd" }) }] })).toThrow(
      'checks.yaml: checks[0] (a).tcp.query_response[1].labels[0].name: "software" is also the check\'s label labels.software, whose value it would replace',
    );
    expect(parse({ checks: [{ name: "a", ...tcp({ team: "infra" }) }] }).checks).toHaveLength(1);
    // Probe mode puts a module's labels on no series: nothing to replace.
    expect(parse({ modules: { ssh: { ...tcp({ software: "sshd" }) } } }).modules.size).toBe(1);
  });
});

describe("durations and sizes are finite, sizes not negative (YAML .inf, .nan, -1)", () => {
  const file = (settings: Record<string, unknown>, top: Record<string, unknown> = {}) => ({
    checks: [{ name: "a", kind: "file", target: "/tmp", ...top, file: settings }],
  });
  for (const [what, document, message] of [
    ["interval .inf", file({}, { interval: Infinity }), "checks[0] (a).interval: "],
    ["timeout .inf", file({}, { timeout: Infinity }), "checks[0] (a).timeout: "],
    ["max_newest_age .inf", file({ max_newest_age: Infinity }), "file.max_newest_age: "],
    ["max_total_bytes -1", file({ max_total_bytes: -1 }), "file.max_total_bytes: "],
    ["max_total_bytes .nan", file({ max_total_bytes: NaN }), "file.max_total_bytes: "],
    ["max_total_bytes .inf", file({ max_total_bytes: Infinity }), "file.max_total_bytes: "],
    // A timer waits at most 24.8 days: a longer interval would run the check every millisecond.
    ["interval 30d", file({}, { interval: "30d" }), "checks[0] (a).interval: "],
  ] as const) {
    test(`rejects ${what}, naming the key`, () => {
      expect(() => parse(document)).toThrow(message);
    });
  }

  test("a size of 0 or a plain number is still a size", () => {
    const config = parse(file({ max_total_bytes: 0 }));
    expect(config.checks).toHaveLength(1);
    expect(parse(file({ max_total_bytes: 4096 })).checks).toHaveLength(1);
  });
});

test("a module's timeout longer than a timer can wait is refused too", () => {
  expect(() => parse({ modules: { slow: { prober: "http", timeout: "30d" } } })).toThrow(
    "modules.slow.timeout: ",
  );
  // A file's max ages are not timers: a month is fine.
  expect(parse(file30d()).checks).toHaveLength(1);
});

function file30d() {
  return { checks: [{ name: "a", kind: "file", target: "/tmp", file: { max_newest_age: "30d" } }] };
}
