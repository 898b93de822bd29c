import { describe, expect, test } from "bun:test";
import { ownerOf } from "../../lib/podpatrol/owner.ts";
import {
  CircuitBreaker,
  defaultBreakerSettings,
} from "../../lib/podpatrol/safety/circuit-breaker.ts";
import { ineligibility, type Selection } from "../../lib/podpatrol/safety/eligibility.ts";
import { parseLabelSelector } from "../../lib/podpatrol/safety/label-selector.ts";
import { RemediationLedger } from "../../lib/podpatrol/safety/ledger.ts";
import { RateLimiter } from "../../lib/podpatrol/safety/rate-limiter.ts";
import { RestartTracker } from "../../lib/podpatrol/safety/restart-tracker.ts";
import { crashing, pod, T0 } from "./fixtures.ts";

const all: Selection = {
  namespaces: [],
  excludeNamespaces: [],
  labels: undefined,
  allowKubeSystem: false,
};

describe("eligibility", () => {
  test("a Deployment's pod is eligible", () => {
    expect(ineligibility(pod(), all)).toBeUndefined();
  });
  test("bare, DaemonSet, mirror, opted-out and kube-system pods are not", () => {
    expect(ineligibility(pod({ ownerReferences: [] }), all)?.reason).toBe("bare-pod");
    const ds = pod({
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "DaemonSet", name: "d", uid: "d", controller: true },
      ],
    });
    expect(ineligibility(ds, all)?.reason).toBe("daemonset-pod");
    expect(
      ineligibility(pod({ annotations: { "kubernetes.io/config.mirror": "x" } }), all)?.reason,
    ).toBe("static-pod");
    expect(ineligibility(pod({ annotations: { "opsctl.io/patrol": "off" } }), all)?.reason).toBe(
      "opted-out",
    );
    expect(ineligibility(pod({ namespace: "kube-system" }), all)?.reason).toBe("kube-system");
    expect(
      ineligibility(pod({ namespace: "kube-system" }), { ...all, allowKubeSystem: true }),
    ).toBeUndefined();
  });
  test("namespace and label selectors", () => {
    expect(ineligibility(pod(), { ...all, namespaces: ["other"] })?.reason).toBe(
      "namespace-excluded",
    );
    expect(ineligibility(pod(), { ...all, excludeNamespaces: ["shop"] })?.reason).toBe(
      "namespace-excluded",
    );
    expect(ineligibility(pod(), { ...all, labels: parseLabelSelector("app=db") })?.reason).toBe(
      "label-excluded",
    );
    expect(
      ineligibility(pod(), { ...all, labels: parseLabelSelector("app in (web, api),!canary") }),
    ).toBeUndefined();
  });
});

describe("label selector", () => {
  const labels = { app: "web", tier: "front" };
  test.each([
    ["app=web", true],
    ["app==web,tier=front", true],
    ["app!=web", false],
    ["app notin (db)", true],
    ["tier", true],
    ["!tier", false],
    ["missing!=x", true],
  ])("%s -> %p", (selector, expected) => {
    expect(parseLabelSelector(selector)(labels)).toBe(expected);
  });
  test("garbage is a config error naming the term", () => {
    expect(() => parseLabelSelector("app=web,==x")).toThrow('"==x"');
  });
});

describe("owner", () => {
  test("a ReplicaSet's pod is keyed by its Deployment", () => {
    expect(ownerOf(pod())?.key).toBe("shop/Deployment/web");
  });
  test("a StatefulSet's pod by the StatefulSet", () => {
    const p = pod({
      labels: {},
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "StatefulSet", name: "db", uid: "s", controller: true },
      ],
    });
    expect(ownerOf(p)?.key).toBe("shop/StatefulSet/db");
  });
});

describe("rate limiter", () => {
  test("global per minute, then frees after the window; released actions do not count", () => {
    const limiter = new RateLimiter({
      perMinute: 2,
      perNamespacePerMinute: 10,
      perNodePerMinute: 10,
      disruptionBudget: 100,
      budgetWindow: 600,
    });
    const scope = { namespace: "a", node: "n" };
    limiter.record(scope, T0);
    const stamp = limiter.record(scope, T0 + 1);
    expect(limiter.check(scope, T0 + 2)).toBe("rate-limit-global");
    limiter.release(scope, stamp);
    expect(limiter.check(scope, T0 + 2)).toBeUndefined();
    limiter.record(scope, T0 + 3);
    expect(limiter.check(scope, T0 + 59_000)).toBe("rate-limit-global");
    expect(limiter.check(scope, T0 + 60_004)).toBeUndefined();
  });
  test("per namespace, per node, and the shared disruption budget", () => {
    const limiter = new RateLimiter({
      perMinute: 100,
      perNamespacePerMinute: 1,
      perNodePerMinute: 2,
      disruptionBudget: 3,
      budgetWindow: 600,
    });
    limiter.record({ namespace: "a", node: "n1" }, T0);
    expect(limiter.check({ namespace: "a", node: "n2" }, T0)).toBe("rate-limit-namespace");
    expect(limiter.check({ namespace: "b", node: "n1" }, T0)).toBeUndefined();
    limiter.record({ namespace: "b", node: "n1" }, T0);
    expect(limiter.check({ namespace: "c", node: "n1" }, T0)).toBe("rate-limit-node");
    limiter.record({ namespace: "c", node: "n3" }, T0);
    expect(limiter.check({ namespace: "d", node: "n4" }, T0 + 120_000)).toBe("disruption-budget");
    expect(limiter.check({ namespace: "d", node: "n4" }, T0 + 600_001)).toBeUndefined();
  });
});

describe("ledger, restart tracker, circuit breaker", () => {
  test("cooldown per owner", () => {
    const ledger = new RemediationLedger(3_600_000);
    ledger.record("shop/Deployment/web", {
      at: T0,
      rule: "crashloop",
      action: "evict",
      object: "shop/p",
    });
    expect(ledger.cooldownLeft("shop/Deployment/web", 600_000, T0 + 100_000)).toBe(500_000);
    expect(ledger.cooldownLeft("shop/Deployment/api", 600_000, T0 + 100_000)).toBe(0);
    expect(ledger.cooldownLeft("shop/Deployment/web", 600_000, T0 + 600_000)).toBe(0);
  });

  test("restarts accumulate per owner across recreated pods", () => {
    const tracker = new RestartTracker(3_600_000);
    const first = pod({ uid: "a" }, { containerStatuses: [crashing(5)] });
    tracker.observe(first, "o", T0);
    tracker.observe(pod({ uid: "a" }, { containerStatuses: [crashing(7)] }), "o", T0 + 1);
    tracker.forgetPod("a");
    // the recreated pod starts at 0 again: the owner's history does not
    tracker.observe(pod({ uid: "b" }, { containerStatuses: [crashing(0)] }), "o", T0 + 2);
    tracker.observe(pod({ uid: "b" }, { containerStatuses: [crashing(3)] }), "o", T0 + 3);
    expect(tracker.within("o", T0 + 4)).toEqual({ restarts: 10, pods: 2 });
    expect(tracker.within("o", T0 + 3_600_010)).toEqual({ restarts: 0, pods: 0 });
  });

  test("breaker opens when most pods fail, or remediation keeps repeating, and reports once", () => {
    const breaker = new CircuitBreaker(defaultBreakerSettings);
    expect(breaker.evaluate("o", { failing: 1, total: 3, remediations: 0 }).open).toBe(false);
    const opened = breaker.evaluate("o", { failing: 3, total: 3, remediations: 0 });
    expect(opened).toMatchObject({ open: true, reason: "owner-failing", changed: true });
    expect(breaker.evaluate("o", { failing: 3, total: 3, remediations: 0 }).changed).toBe(false);
    expect(breaker.evaluate("o", { failing: 0, total: 3, remediations: 0 })).toMatchObject({
      open: false,
      changed: true,
    });
    expect(breaker.evaluate("p", { failing: 1, total: 1, remediations: 0 }).open).toBe(false); // one pod: not "most"
    expect(breaker.evaluate("q", { failing: 1, total: 5, remediations: 3 }).reason).toBe(
      "remediation-not-helping",
    );
  });
});
