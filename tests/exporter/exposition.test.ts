/** The command-output parser (validation) and the renderer (checked by promtool). */
import { describe, expect, test } from "bun:test";
import { parseExposition } from "../../lib/exporter/exposition/parse.ts";
import { FamilyWriter, writeResult } from "../../lib/exporter/exposition/render.ts";
import type { CheckResult } from "../../lib/exporter/types.ts";
import { checkSpec, promtoolProblems } from "./helpers.ts";

const options = { reservedLabels: ["check"], maxSamples: 100 };

describe("parseExposition", () => {
  test("families with HELP/TYPE, histograms, escapes, special values", () => {
    const families = parseExposition(
      [
        "# HELP req_seconds Request time.",
        "# TYPE req_seconds histogram",
        'req_seconds_bucket{le="0.1"} 3',
        'req_seconds_bucket{le="+Inf"} 5',
        "req_seconds_sum 0.7",
        "req_seconds_count 5",
        'label_fun{path="a\\"b\\\\c\\nd"} NaN',
        "neg -Inf 1700000000000",
      ].join("\n"),
      options,
    );
    expect(families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ["req_seconds", "histogram", 4],
      ["label_fun", "untyped", 1],
      ["neg", "untyped", 1],
    ]);
    expect(families[1]?.samples[0]?.labels.path).toBe('a"b\\c\nd');
    expect(Number.isNaN(families[1]?.samples[0]?.value)).toBe(true);
  });

  test("an OpenMetrics-style counter becomes the _total family of the 0.0.4 format", () => {
    const [family] = parseExposition("# TYPE jobs counter\njobs_total 4\n", options);
    expect(family?.name).toBe("jobs_total");
  });

  for (const [input, message] of [
    ["1abc 3", 'invalid metric name "1abc"'],
    ['x{1a="b"} 1', 'invalid label name "1a"'],
    ['x{__name__="b"} 1', 'invalid label name "__name__"'],
    ['x{a="1",a="2"} 1', 'label "a" repeated'],
    ['x{check="web"} 1', '"check" is reserved'],
    ["x one", '"one" is not a value'],
    ["x 1\nx 2", "duplicate series x"],
    ['a 1\nb 1\na{z="1"} 2', "samples of a are not together"],
    ["# TYPE x gauge\n# TYPE x counter\nx 1", "second TYPE for x"],
    ["# TYPE x widget\nx 1", 'unknown metric type "widget"'],
    ['x{a="1} 1', "unterminated label value"],
  ] as const) {
    test(`rejects: ${message}`, () => {
      expect(() => parseExposition(input, options)).toThrow(message);
    });
  }

  test("caps the number of samples", () => {
    const many = Array.from({ length: 101 }, (_, i) => `m{i="${i}"} ${i}`).join("\n");
    expect(() => parseExposition(many, options)).toThrow("more than 100 samples");
  });
});

describe("render", () => {
  test("scheduled and probe expositions pass promtool, with escaped label values", async () => {
    const result: CheckResult = {
      success: false,
      durationSeconds: 0.25,
      timestamp: 1_800_000_000,
      error: "x",
      details: [
        { name: "http_status_code", value: 503 },
        { name: "http_duration_seconds", value: 0.1, labels: { phase: "connect" } },
      ],
      exposed: [
        {
          name: "app_up",
          help: "",
          type: "gauge",
          samples: [{ name: "app_up", labels: { a: 'q"\\' }, value: 1 }],
        },
      ],
    };
    const spec = {
      ...checkSpec("http", "http://127.0.0.1/"),
      name: "web",
      labels: { env: 'pro"d' },
    };
    const scheduled = new FamilyWriter();
    writeResult(
      scheduled,
      "opsctl_check_",
      { check: "web", kind: "http", ...spec.labels },
      spec,
      result,
      true,
    );
    const text = scheduled.text();
    expect(text).toContain('opsctl_check_success{check="web",kind="http",env="pro\\"d"} 0');
    expect(text).toContain('app_up{check="web",a="q\\"\\\\"} 1');
    expect(await promtoolProblems(text)).toBe("");
    const probe = new FamilyWriter();
    writeResult(probe, "probe_", {}, spec, result, false);
    expect(probe.text()).toContain("probe_http_status_code 503");
    expect(probe.text()).not.toContain("last_run");
    expect(await promtoolProblems(probe.text())).toBe("");
  });
});
