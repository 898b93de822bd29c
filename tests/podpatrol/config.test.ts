import { describe, expect, test } from "bun:test";
import { buildConfig } from "../../lib/podpatrol/config.ts";
import { defaultFlags as flags } from "./fixtures.ts";

describe("podpatrol config", () => {
  test("defaults: every rule on, documented thresholds", () => {
    const config = buildConfig(flags, {});
    expect(Object.keys(config.rules).sort()).toEqual([
      "crashloop",
      "failed",
      "node-lost",
      "stuck",
      "unschedulable",
    ]);
    expect(config.rules.crashloop).toMatchObject({ enabled: true, restarts: 3 });
    expect(config.limits.perMinute).toBe(10);
  });

  test("file values, durations as text, flags switching rules", () => {
    const config = buildConfig(
      { ...flags, disableRule: ["failed"], forceDeleteOnLostNode: true },
      {
        rules: { crashloop: { restarts: 5 }, unschedulable: { after: "2m" } },
        limits: { perMinute: 3 },
        "eviction-retry": "3s",
      },
    );
    expect(config.rules.crashloop).toMatchObject({ restarts: 5 });
    expect(config.rules.unschedulable).toMatchObject({ after: 120 });
    expect(config.rules.failed?.enabled).toBe(false);
    expect(config.rules.stuck).toMatchObject({ forceDeleteOnLostNode: true });
    expect(config.limits.perMinute).toBe(3);
    expect(config.evictionRetry).toBe(3);
  });

  test("errors name the key", () => {
    expect(() => buildConfig(flags, { rules: { crashloop: { restarts: "many" } } })).toThrow(
      "podpatrol.rules.crashloop.restarts",
    );
    expect(() => buildConfig(flags, { rules: { oomkill: {} } })).toThrow('unknown key "oomkill"');
    expect(() => buildConfig(flags, { limits: { perMinute: -1 } })).toThrow(
      "podpatrol.limits.perMinute",
    );
    expect(() => buildConfig(flags, { breaker: { ratio: 2 } })).toThrow("podpatrol.breaker.ratio");
    expect(() => buildConfig({ ...flags, disableRule: ["nope"] }, {})).toThrow('rule "nope"');
    // An empty or malformed namespace would watch /api/v1/namespaces//pods (a 404, not a 403).
    expect(() => buildConfig({ ...flags, namespace: [""] }, {})).toThrow(
      '--namespace "": not a namespace name',
    );
    expect(() => buildConfig({ ...flags, excludeNamespace: ["Team_A"] }, {})).toThrow(
      '--exclude-namespace "Team_A": not a namespace name',
    );
    expect(() => buildConfig({ ...flags, selector: "a=(" }, {})).toThrow("label selector");
  });

  test("a rate limit of 0 (which would block every action, silently) is an error naming the key", () => {
    for (const key of [
      "perMinute",
      "perNamespacePerMinute",
      "perNodePerMinute",
      "disruptionBudget",
    ])
      expect(() => buildConfig(flags, { limits: { [key]: 0 } })).toThrow(
        `podpatrol.limits.${key}: expected a whole number >= 1, got 0`,
      );
  });

  test("node-lost's mass-loss guard: config keys, and --node-lost-unhealthy-threshold winning", () => {
    expect(buildConfig(flags, {}).rules["node-lost"]).toMatchObject({
      unhealthyThreshold: 0.55,
      unhealthyMinNodes: 2,
    });
    const section = { rules: { "node-lost": { unhealthyThreshold: 0.7, unhealthyMinNodes: 5 } } };
    expect(buildConfig(flags, section).rules["node-lost"]).toMatchObject({
      unhealthyThreshold: 0.7,
      unhealthyMinNodes: 5,
    });
    const flagged = buildConfig({ ...flags, nodeLostUnhealthyThreshold: 0.3 }, section);
    expect(flagged.rules["node-lost"]).toMatchObject({ unhealthyThreshold: 0.3 });
    for (const bad of [0, 1.2, Number.NaN])
      expect(() => buildConfig({ ...flags, nodeLostUnhealthyThreshold: bad }, {})).toThrow(
        "--node-lost-unhealthy-threshold",
      );
  });

  test("a window of 0 (which would turn its safety valve off, silently) is an error naming the key", () => {
    // limits.budgetWindow 0: the disruption budget counted nothing and never applied; breaker
    // window 0: no remediation was ever counted, so maxRemediations never tripped.
    for (const [section, key] of [
      ["limits", "budgetWindow"],
      ["breaker", "window"],
    ] as const)
      for (const value of [0, "0s"])
        expect(() => buildConfig(flags, { [section]: { [key]: value } })).toThrow(
          `podpatrol.${section}.${key}: expected a duration of at least 1s`,
        );
    expect(buildConfig(flags, { limits: { budgetWindow: "1s" } }).limits.budgetWindow).toBe(1);
  });

  test("eviction-retry and report-interval of 0 (a retry every pass, an Event every check) are errors", () => {
    for (const key of ["eviction-retry", "report-interval"])
      for (const value of [0, "0s", "500ms"])
        expect(() => buildConfig(flags, { [key]: value })).toThrow(
          `podpatrol.${key}: expected a duration of at least 1s`,
        );
    expect(buildConfig(flags, { "eviction-retry": "1s" }).evictionRetry).toBe(1);
  });
});
