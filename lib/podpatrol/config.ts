// podpatrol's effective configuration: rule args, selection, limits, breaker, cooldown, built
// from flags (already layered by lib/cli) and the config section's structured keys. Validated
// whole, so a SIGHUP with a bad file keeps the old configuration.
import { ConfigError } from "../cli/errors.ts";
import { checkKeys, readDuration, readInteger, readNumber } from "./rules/args.ts";
import { nodeRules, podRules } from "./rules/registry.ts";
import type { CommonArgs } from "./rules/types.ts";
import { type BreakerSettings, defaultBreakerSettings } from "./safety/circuit-breaker.ts";
import type { Selection } from "./safety/eligibility.ts";
import { parseLabelSelector } from "./safety/label-selector.ts";
import { defaultRateLimits, type RateLimits } from "./safety/rate-limiter.ts";

export interface PatrolConfig {
  dryRun: boolean;
  rules: Record<string, CommonArgs>;
  selection: Selection;
  limits: RateLimits;
  breaker: BreakerSettings;
  /** Seconds an owner is left alone after a remediation. */
  cooldown: number;
  /** Seconds before a 429 (PDB) eviction is tried again. */
  evictionRetry: number;
  /** Seconds before the same "not acting" Event is repeated for the same object. */
  reportInterval: number;
}

/** The flag-level inputs (from lib/cli options). */
export interface PatrolFlags {
  dryRun: boolean;
  namespace: string[];
  excludeNamespace: string[];
  selector: string | undefined;
  allowKubeSystem: boolean;
  disableRule: string[];
  enableRule: string[];
  cooldown: number;
  forceDeleteOnLostNode: boolean;
  /** node-lost's unhealthyThreshold, when given as a flag (or its env/top-level key). */
  nodeLostUnhealthyThreshold?: number;
}

/** The structured keys of the podpatrol config section. */
export const configKeys = {
  rules: "a mapping rule name -> args (crashloop, unschedulable, stuck, failed, node-lost)",
  limits:
    "rate limits: perMinute, perNamespacePerMinute, perNodePerMinute, disruptionBudget, budgetWindow",
  breaker: "circuit breaker: ratio, minFailing, maxRemediations, window",
  "eviction-retry": "seconds (or 10s) before retrying an eviction a PDB refused",
  "report-interval": "seconds (or 10m) between repeats of the same not-acting Event",
};

const allRuleNames = [...podRules, ...nodeRules].map((r) => r.name);

function mapping(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw new ConfigError(`${where}: expected a mapping`);
  return value as Record<string, unknown>;
}

export function buildConfig(flags: PatrolFlags, section: Record<string, unknown>): PatrolConfig {
  for (const name of [...flags.disableRule, ...flags.enableRule]) {
    if (!allRuleNames.includes(name)) {
      throw new ConfigError(`rule "${name}": unknown (rules: ${allRuleNames.join(", ")})`);
    }
  }
  const rulesRaw = mapping(section.rules, "podpatrol.rules");
  checkKeys(rulesRaw, allRuleNames, "podpatrol.rules");
  const rules: Record<string, CommonArgs> = {};
  for (const rule of [...podRules, ...nodeRules]) {
    const where = `podpatrol.rules.${rule.name}`;
    const args = rule.validate(mapping(rulesRaw[rule.name], where), where);
    if (flags.disableRule.includes(rule.name)) args.enabled = false;
    if (flags.enableRule.includes(rule.name)) args.enabled = true;
    rules[rule.name] = args;
  }
  const stuck = rules.stuck as CommonArgs & { forceDeleteOnLostNode: boolean };
  if (flags.forceDeleteOnLostNode) stuck.forceDeleteOnLostNode = true;
  const threshold = flags.nodeLostUnhealthyThreshold;
  if (threshold !== undefined) {
    if (!(threshold > 0 && threshold <= 1))
      throw new ConfigError(
        `--node-lost-unhealthy-threshold ${threshold}: expected a fraction above 0 and at most 1`,
      );
    (rules["node-lost"] as CommonArgs & { unhealthyThreshold: number }).unhealthyThreshold =
      threshold;
  }

  const limitsRaw = mapping(section.limits, "podpatrol.limits");
  const L = "podpatrol.limits";
  checkKeys(limitsRaw, Object.keys(defaultRateLimits), L);
  const d = defaultRateLimits;
  // At least 1: a limit of 0 would block every action without a word (--dry-run never acts).
  const limits: RateLimits = {
    perMinute: readInteger(limitsRaw, "perMinute", d.perMinute, L, 1),
    perNamespacePerMinute: readInteger(
      limitsRaw,
      "perNamespacePerMinute",
      d.perNamespacePerMinute,
      L,
      1,
    ),
    perNodePerMinute: readInteger(limitsRaw, "perNodePerMinute", d.perNodePerMinute, L, 1),
    disruptionBudget: readInteger(limitsRaw, "disruptionBudget", d.disruptionBudget, L, 1),
    // At least 1 s: a window of 0 counts nothing, and the budget would never apply.
    budgetWindow: readDuration(limitsRaw, "budgetWindow", d.budgetWindow, L, 1),
  };

  const breakerRaw = mapping(section.breaker, "podpatrol.breaker");
  const B = "podpatrol.breaker";
  checkKeys(breakerRaw, Object.keys(defaultBreakerSettings), B);
  const b = defaultBreakerSettings;
  const breaker: BreakerSettings = {
    ratio: readNumber(breakerRaw, "ratio", b.ratio, B, 0, 1),
    minFailing: readInteger(breakerRaw, "minFailing", b.minFailing, B, 1),
    maxRemediations: readInteger(breakerRaw, "maxRemediations", b.maxRemediations, B, 1),
    // At least 1 s: a window of 0 counts no remediation, and maxRemediations never trips.
    window: readDuration(breakerRaw, "window", b.window, B, 1),
  };

  checkNamespaces(flags.namespace, "--namespace");
  checkNamespaces(flags.excludeNamespace, "--exclude-namespace");
  return {
    dryRun: flags.dryRun,
    rules,
    selection: {
      namespaces: flags.namespace,
      excludeNamespaces: flags.excludeNamespace,
      labels: flags.selector ? parseLabelSelector(flags.selector) : undefined,
      allowKubeSystem: flags.allowKubeSystem,
    },
    limits,
    breaker,
    cooldown: flags.cooldown,
    // At least 1s: 0 retried a refused eviction on every pass (every 250 ms, at the API server)
    // and repeated the same not-acting Event on every check.
    evictionRetry: readDuration(section, "eviction-retry", 10, "podpatrol", 1),
    reportInterval: readDuration(section, "report-interval", 600, "podpatrol", 1),
  };
}

/** A Kubernetes namespace name: a DNS label (RFC 1123), at most 63 characters. */
const namespaceName = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function checkNamespaces(names: readonly string[], flag: string): void {
  const bad = names.find((name) => !namespaceName.test(name));
  if (bad !== undefined)
    throw new ConfigError(
      `${flag} "${bad}": not a namespace name (lowercase letters, digits and '-', at most 63)`,
    );
}
