// The contract every rule folder implements (descheduler's plugin layout): an args type with
// defaults, a validation that names the offending key, and a pure evaluation.
import type { Node, Pod } from "../kube-types.ts";

/** What a pod rule asks the engine to do with a pod. */
export type PodAction = "evict" | "delete" | "force-delete";

/** What the rest of the cluster looks like, as far as a rule needs to know. */
export interface RuleContext {
  /** Now, in ms since epoch (a parameter so tests are deterministic). */
  now: number;
  /** Last time a node was added or became Ready again (ms), 0 if never seen. */
  lastNodeChange: number;
  /** True when the node is NotReady/Unknown (a lost kubelet). */
  nodeLost(nodeName: string): boolean;
  /** When this process saw the node stop being Ready (ms, its own clock), if it saw that. */
  notReadySeen?(nodeName: string): number | undefined;
  /** How many nodes the cluster has and how many of them are not Ready (node-lost's guard). */
  nodeCounts?(): { notReady: number; total: number };
  /** Why no lost node may be acted on now (most nodes lost at once: node-lost's guard), if so. */
  massNodeLoss?(): string | undefined;
}

export type Verdict =
  /** The rule's failure condition does not hold. */
  | { kind: "healthy" }
  /** The condition holds but its threshold has not passed: look again at `until` (ms). */
  | { kind: "wait"; until: number }
  /** Act now. `since` is when the condition was met (ms), when the object tells us. */
  | { kind: "act"; action: PodAction; reason: string; since?: number }
  /** The condition holds but the rule decides not to act, for `reason` (a metric label). */
  | { kind: "hold"; reason: string; message: string };

export interface PodRule<A extends CommonArgs = CommonArgs> {
  name: string;
  description: string;
  defaults: A;
  validate(raw: Record<string, unknown>, where: string): A;
  evaluate(pod: Pod, args: A, ctx: RuleContext): Verdict;
}

export interface CommonArgs {
  enabled: boolean;
}

/** Node rules act on the node itself (taints) and on the pods bound to it. */
export type NodeVerdict =
  | { kind: "healthy" }
  | { kind: "wait"; until: number }
  /** Lost: apply these taint effects and evict its pods (when `evict`). */
  | { kind: "lost"; since: number; effects: string[]; evict: boolean; reason: string }
  /** Ready again: remove our taints. */
  | { kind: "recovered" }
  /** Lost, but the rule decides to take no new action, for `reason` (a metric label). */
  | { kind: "hold"; reason: string; message: string };

export interface NodeRule<A extends CommonArgs = CommonArgs> {
  name: string;
  description: string;
  defaults: A;
  validate(raw: Record<string, unknown>, where: string): A;
  evaluate(node: Node, args: A, ctx: RuleContext): NodeVerdict;
}
