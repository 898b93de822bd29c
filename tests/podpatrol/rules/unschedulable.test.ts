import { describe, expect, test } from "bun:test";
import { unschedulableRule } from "../../../lib/podpatrol/rules/unschedulable/rule.ts";
import { ctx, iso, pod, T0 } from "../fixtures.ts";

const args = { enabled: true, after: 60 };
const pending = pod(
  {},
  {
    phase: "Pending",
    conditions: [
      {
        type: "PodScheduled",
        status: "False",
        reason: "Unschedulable",
        lastTransitionTime: iso(T0),
      },
    ],
  },
  "",
);

describe("unschedulable rule", () => {
  test("waits until the threshold", () => {
    expect(unschedulableRule.evaluate(pending, args, ctx(T0 + 30_000))).toEqual({
      kind: "wait",
      until: T0 + 60_000,
    });
  });

  test("past the threshold without a cluster change: holds and says why", () => {
    const v = unschedulableRule.evaluate(
      pending,
      args,
      ctx(T0 + 90_000, { lastNodeChange: T0 - 1 }),
    );
    expect(v.kind).toBe("hold");
    if (v.kind === "hold") expect(v.reason).toBe("no-cluster-change");
  });

  test("past the threshold after a node joined: deletes", () => {
    const v = unschedulableRule.evaluate(
      pending,
      args,
      ctx(T0 + 90_000, { lastNodeChange: T0 + 80_000 }),
    );
    expect(v.kind).toBe("act");
    if (v.kind === "act") {
      expect(v.action).toBe("delete");
      expect(v.since).toBe(T0 + 80_000);
    }
  });

  test("scheduled or running pods are healthy", () => {
    expect(unschedulableRule.evaluate(pod(), args, ctx(T0)).kind).toBe("healthy");
  });
});
