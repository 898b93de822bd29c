import { describe, expect, test } from "bun:test";
import { validateCrashLoopArgs } from "../../../lib/podpatrol/rules/crashloop/args.ts";
import { crashLoopRule } from "../../../lib/podpatrol/rules/crashloop/rule.ts";
import { crashing, ctx, pod, T0 } from "../fixtures.ts";

const args = crashLoopRule.defaults;

describe("crashloop rule", () => {
  test("acts on CrashLoopBackOff at the restart threshold, evicting by default", () => {
    const v = crashLoopRule.evaluate(
      pod({}, { phase: "Running", containerStatuses: [crashing(3)] }),
      args,
      ctx(T0),
    );
    expect(v.kind).toBe("act");
    if (v.kind === "act") {
      expect(v.action).toBe("evict");
      expect(v.reason).toContain("3 restarts");
    }
  });

  test("below the threshold, or another waiting reason, is healthy", () => {
    expect(
      crashLoopRule.evaluate(pod({}, { containerStatuses: [crashing(2)] }), args, ctx(T0)).kind,
    ).toBe("healthy");
    const pulling = {
      name: "main",
      restartCount: 9,
      state: { waiting: { reason: "ImagePullBackOff" } },
    };
    expect(
      crashLoopRule.evaluate(pod({}, { containerStatuses: [pulling] }), args, ctx(T0)).kind,
    ).toBe("healthy");
  });

  test("init containers count; terminating pods are left alone", () => {
    expect(
      crashLoopRule.evaluate(pod({}, { initContainerStatuses: [crashing(4)] }), args, ctx(T0)).kind,
    ).toBe("act");
    const terminating = pod(
      { deletionTimestamp: "2026-01-01T00:00:00Z" },
      { containerStatuses: [crashing(9)] },
    );
    expect(crashLoopRule.evaluate(terminating, args, ctx(T0)).kind).toBe("healthy");
  });

  test("validation: defaults, custom values and errors naming the key", () => {
    expect(validateCrashLoopArgs({}, "r")).toEqual({ enabled: true, restarts: 3, action: "evict" });
    expect(validateCrashLoopArgs({ restarts: 10, action: "delete" }, "r").restarts).toBe(10);
    expect(() => validateCrashLoopArgs({ restarts: 0 }, "podpatrol.rules.crashloop")).toThrow(
      "podpatrol.rules.crashloop.restarts",
    );
    expect(() => validateCrashLoopArgs({ action: "nuke" }, "r")).toThrow("evict, delete");
    expect(() => validateCrashLoopArgs({ restart: 3 }, "r")).toThrow('unknown key "restart"');
  });
});
