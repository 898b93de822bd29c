import { describe, expect, test } from "bun:test";
import { stuckRule } from "../../../lib/podpatrol/rules/stuck/rule.ts";
import { ctx, iso, pod, T0 } from "../fixtures.ts";

const args = { ...stuckRule.defaults, pendingAfter: 60, terminatingAfter: 30 };

describe("stuck rule", () => {
  const creating = pod(
    {},
    {
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: iso(T0) }],
      containerStatuses: [
        { name: "main", restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } },
      ],
    },
  );

  test("ContainerCreating past the threshold is deleted, naming the reason", () => {
    expect(stuckRule.evaluate(creating, args, ctx(T0 + 10_000)).kind).toBe("wait");
    const v = stuckRule.evaluate(creating, args, ctx(T0 + 61_000));
    expect(v.kind).toBe("act");
    if (v.kind === "act") {
      expect(v.action).toBe("delete");
      expect(v.reason).toContain("ContainerCreating");
    }
  });

  test("a pod bound through spec.nodeName (no PodScheduled condition) counts as scheduled", () => {
    const bound = pod({}, { phase: "Pending" }, "ghost");
    expect(stuckRule.evaluate(bound, args, ctx(T0 + 61_000)).kind).toBe("act");
    expect(stuckRule.evaluate(pod({}, { phase: "Pending" }, ""), args, ctx(T0 + 61_000)).kind).toBe(
      "healthy",
    );
  });

  const terminating = pod({ deletionTimestamp: iso(T0) });
  test("Terminating on a live node: holds, never forces", () => {
    const v = stuckRule.evaluate(
      terminating,
      { ...args, forceDeleteOnLostNode: true },
      ctx(T0 + 60_000),
    );
    expect(v).toMatchObject({ kind: "hold", reason: "terminating-node-alive" });
  });

  test("Terminating on a lost node: force delete only with the explicit flag", () => {
    const lost = ctx(T0 + 60_000, { nodeLost: () => true });
    expect(stuckRule.evaluate(terminating, args, lost)).toMatchObject({
      kind: "hold",
      reason: "force-delete-disabled",
    });
    expect(
      stuckRule.evaluate(terminating, { ...args, forceDeleteOnLostNode: true }, lost),
    ).toMatchObject({
      kind: "act",
      action: "force-delete",
    });
  });

  test("no force delete while most nodes are lost at once (a partition: the pods may still run)", () => {
    const force = { ...args, forceDeleteOnLostNode: true };
    const partition = ctx(T0 + 60_000, {
      nodeLost: () => true,
      massNodeLoss: () => "3 of 4 nodes are NotReady/Unknown",
    });
    expect(stuckRule.evaluate(terminating, force, partition)).toMatchObject({
      kind: "hold",
      reason: "mass-node-loss",
      message: "3 of 4 nodes are NotReady/Unknown",
    });
    const one = ctx(T0 + 60_000, { nodeLost: () => true, massNodeLoss: () => undefined });
    expect(stuckRule.evaluate(terminating, force, one)).toMatchObject({ action: "force-delete" });
  });
});
