import { expect, test } from "bun:test";
import type { ProbeResult } from "../../lib/ssh/probe.ts";
import { groupResults, renderGroup } from "../../lib/ssh/report.ts";

function ran(name: string, stdout: string, truncatedBytes?: number): ProbeResult {
  return {
    name,
    spec: name,
    host: name,
    port: 22,
    user: "u",
    status: "ok",
    attempts: 1,
    exitCode: 0,
    stdout,
    stderr: "",
    ...(truncatedBytes ? { truncatedBytes } : {}),
  };
}

test("--group says when --max-output cut a host's output, as the per-host output does", () => {
  const groups = groupResults([
    ran("web1", "1\n2\n3\n4\n5", 282),
    ran("web2", "1\n2\n3\n4\n5", 282),
    ran("web3", "1\n2\n3\n4\n5", 9000),
    ran("web4", "1\n2\n3\n4\n5\n"),
  ]);
  // Same kept bytes, different amounts cut: not the same output.
  expect(groups.map((group) => group.hosts)).toEqual([["web1", "web2"], ["web3"], ["web4"]]);
  expect(renderGroup(groups[0] ?? { hosts: [], header: "", body: "" })).toEndWith(
    "1\n2\n3\n4\n5\n[282 more bytes not kept: --max-output]\n",
  );
  expect(groups[2]?.body).toBe("1\n2\n3\n4\n5\n");
});
