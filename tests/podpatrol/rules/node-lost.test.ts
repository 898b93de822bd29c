import { describe, expect, test } from "bun:test";
import { NODE_LOST_TAINT, nodeLostRule } from "../../../lib/podpatrol/rules/node-lost/rule.ts";
import { ctx, node, T0 } from "../fixtures.ts";

const args = { enabled: true, after: 60, evict: true, noExecuteAfter: 120 };

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
