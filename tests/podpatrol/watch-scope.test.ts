import { describe, expect, test } from "bun:test";
import { buildConfig } from "../../lib/podpatrol/config.ts";
import {
  nodeRuleFlags,
  podPaths,
  watchesNodes,
  watchScope,
} from "../../lib/podpatrol/watch-scope.ts";
import { defaultFlags as flags } from "./fixtures.ts";

describe("podpatrol watch scope", () => {
  test("no --namespace: one cluster-wide pod watch, nodes watched whatever the rules", () => {
    const scope = watchScope(
      buildConfig({ ...flags, disableRule: ["node-lost", "unschedulable"] }, {}),
    );
    expect(podPaths(scope.namespaces)).toEqual(["/api/v1/pods"]);
    expect(watchesNodes(scope)).toBe(true);
  });

  test("--namespace: one pod watch per namespace (repeats once)", () => {
    const scope = watchScope(buildConfig({ ...flags, namespace: ["shop", "web", "shop"] }, {}));
    expect(podPaths(scope.namespaces)).toEqual([
      "/api/v1/namespaces/shop/pods",
      "/api/v1/namespaces/web/pods",
    ]);
  });

  test("--namespace: nodes only for the rules that read them", () => {
    const namespaced = { ...flags, namespace: ["shop"] };
    const defaults = watchScope(buildConfig(namespaced, {}));
    expect(defaults.nodeRules).toEqual(["node-lost", "unschedulable"]);
    expect(watchesNodes(defaults)).toBe(true);
    expect(nodeRuleFlags(defaults)).toBe("--disable-rule node-lost, --disable-rule unschedulable");

    const off = watchScope(
      buildConfig({ ...namespaced, disableRule: ["node-lost", "unschedulable"] }, {}),
    );
    expect(off.nodeRules).toEqual([]);
    expect(watchesNodes(off)).toBe(false);

    const force = watchScope(
      buildConfig(
        { ...namespaced, disableRule: ["node-lost", "unschedulable"], forceDeleteOnLostNode: true },
        {},
      ),
    );
    expect(force.nodeRules).toEqual(["stuck"]);
  });
});
