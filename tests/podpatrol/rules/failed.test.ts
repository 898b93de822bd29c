import { describe, expect, test } from "bun:test";
import { failedRule } from "../../../lib/podpatrol/rules/failed/rule.ts";
import { ctx, iso, pod, T0 } from "../fixtures.ts";

const args = { enabled: true, after: 3600 };

describe("failed rule", () => {
  const evicted = pod({}, { phase: "Failed", reason: "Evicted", startTime: iso(T0) });
  test("Evicted pods are deleted once older than T", () => {
    expect(failedRule.evaluate(evicted, args, ctx(T0 + 60_000)).kind).toBe("wait");
    const v = failedRule.evaluate(evicted, args, ctx(T0 + 3_601_000));
    expect(v).toMatchObject({ kind: "act", action: "delete" });
    if (v.kind === "act") expect(v.reason).toContain("Evicted");
  });

  test("age counts from the last container finish", () => {
    const failed = pod(
      {},
      {
        phase: "Failed",
        startTime: iso(T0),
        containerStatuses: [
          {
            name: "m",
            restartCount: 0,
            state: { terminated: { finishedAt: iso(T0 + 1_000_000) } },
          },
        ],
      },
    );
    expect(failedRule.evaluate(failed, args, ctx(T0 + 3_601_000)).kind).toBe("wait");
  });

  test("Job pods are left to the Job", () => {
    const jobPod = pod(
      {
        ownerReferences: [
          { apiVersion: "batch/v1", kind: "Job", name: "j", uid: "j", controller: true },
        ],
      },
      { phase: "Failed", startTime: iso(T0) },
    );
    expect(failedRule.evaluate(jobPod, args, ctx(T0 + 4_000_000))).toMatchObject({
      kind: "hold",
      reason: "job-pod",
    });
  });
});
