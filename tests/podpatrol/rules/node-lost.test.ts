import { describe, expect, test } from "bun:test";
import { validateNodeLostArgs } from "../../../lib/podpatrol/rules/node-lost/args.ts";
import { NODE_LOST_TAINT, nodeLostRule } from "../../../lib/podpatrol/rules/node-lost/rule.ts";
import { ctx, node, T0 } from "../fixtures.ts";

const args = { ...nodeLostRule.defaults, after: 60, noExecuteAfter: 120 };

describe("node-lost rule", () => {
  test("NotReady: wait, then NoSchedule + evict, then NoExecute too", () => {
    const n = node("n1", "Unknown");
    expect(nodeLostRule.evaluate(n, args, ctx(T0 + 30_000))).toEqual({
      kind: "wait",
      until: T0 + 60_000,
    });
    expect(nodeLostRule.evaluate(n, args, ctx(T0 + 61_000))).toMatchObject({
      kind: "lost",
      effects: ["NoSchedule"],
      evict: true,
    });
    expect(nodeLostRule.evaluate(n, args, ctx(T0 + 181_000))).toMatchObject({
      effects: ["NoSchedule", "NoExecute"],
    });
    expect(
      nodeLostRule.evaluate(n, { ...args, noExecuteAfter: 0 }, ctx(T0 + 10_000_000)),
    ).toMatchObject({ effects: ["NoSchedule"] });
  });

  test("Ready again with our taint: recovered; without it: healthy", () => {
    const tainted = node("n1", "True", T0, {
      taints: [{ key: NODE_LOST_TAINT, effect: "NoSchedule" }],
    });
    expect(nodeLostRule.evaluate(tainted, args, ctx(T0)).kind).toBe("recovered");
    const other = node("n1", "True", T0, { taints: [{ key: "dedicated", effect: "NoSchedule" }] });
    expect(nodeLostRule.evaluate(other, args, ctx(T0)).kind).toBe("healthy");
  });
});

describe("node-lost mass-loss guard", () => {
  const counts = (notReady: number, total: number) => ({
    nodeCounts: () => ({ notReady, total }),
  });
  const n = node("n1", "Unknown");
  const at = (notReady: number, total: number, a = args) =>
    nodeLostRule.evaluate(n, a, ctx(T0 + 61_000, counts(notReady, total)));

  test("most nodes NotReady (>= unhealthyThreshold, >= unhealthyMinNodes): hold, not lost", () => {
    const v = at(3, 5);
    expect(v).toMatchObject({ kind: "hold", reason: "mass-node-loss" });
    if (v.kind === "hold") expect(v.message).toContain("3 of 5 nodes");
    expect(at(2, 3).kind).toBe("hold");
    expect(at(550, 1000).kind).toBe("hold");
  });

  test("below the threshold: acts as usual", () => {
    expect(at(2, 5).kind).toBe("lost");
    expect(at(549, 1000).kind).toBe("lost");
  });

  test("small clusters: one lost node of two is moved, both lost is held; one node alone is moved", () => {
    expect(at(1, 2).kind).toBe("lost");
    expect(at(2, 2).kind).toBe("hold");
    expect(at(1, 1).kind).toBe("lost");
    expect(at(1, 1, { ...args, unhealthyMinNodes: 1 }).kind).toBe("hold");
  });

  test("still within the grace period: wait, as before", () => {
    expect(nodeLostRule.evaluate(n, args, ctx(T0 + 30_000, counts(5, 5))).kind).toBe("wait");
  });

  test("defaults and validation", () => {
    expect(nodeLostRule.defaults).toMatchObject({ unhealthyThreshold: 0.55, unhealthyMinNodes: 2 });
    expect(() => validateNodeLostArgs({ unhealthyThreshold: 0 }, "w")).toThrow(
      "w.unhealthyThreshold",
    );
    expect(() => validateNodeLostArgs({ unhealthyThreshold: 1.5 }, "w")).toThrow(
      "w.unhealthyThreshold",
    );
    expect(() => validateNodeLostArgs({ unhealthyMinNodes: 0 }, "w")).toThrow(
      "w.unhealthyMinNodes",
    );
    expect(validateNodeLostArgs({ unhealthyThreshold: 0.7 }, "w").unhealthyThreshold).toBe(0.7);
  });
});
