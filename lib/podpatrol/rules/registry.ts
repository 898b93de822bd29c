// The table of rules: adding a rule = adding a folder and a line here.
import { crashLoopRule } from "./crashloop/rule.ts";
import { failedRule } from "./failed/rule.ts";
import { nodeLostRule } from "./node-lost/rule.ts";
import { stuckRule } from "./stuck/rule.ts";
import type { CommonArgs, NodeRule, PodRule } from "./types.ts";
import { unschedulableRule } from "./unschedulable/rule.ts";

export const podRules: readonly PodRule<CommonArgs>[] = [
  crashLoopRule as unknown as PodRule<CommonArgs>,
  unschedulableRule as unknown as PodRule<CommonArgs>,
  stuckRule as unknown as PodRule<CommonArgs>,
  failedRule as unknown as PodRule<CommonArgs>,
];

export const nodeRules: readonly NodeRule<CommonArgs>[] = [
  nodeLostRule as unknown as NodeRule<CommonArgs>,
];

export const ruleNames: readonly string[] = [
  ...podRules.map((r) => r.name),
  ...nodeRules.map((r) => r.name),
];
