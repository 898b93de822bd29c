// What the patrol watches, from its configuration: pods cluster-wide (no --namespace) or one
// watch per namespace (--namespace: namespaced permissions suffice), and nodes when a rule
// reads them. Nodes are cluster-scoped: a namespaced patrol watches them only for those rules.
import type { PatrolConfig } from "./config.ts";
import type { CommonArgs } from "./rules/types.ts";

export const allPodsPath = "/api/v1/pods";

export interface WatchScope {
  /** Empty: all namespaces (one cluster-wide pod watch). */
  namespaces: string[];
  /** The enabled rules that read nodes cluster-wide (empty: no node watch needed). */
  nodeRules: string[];
}

export function podsPath(namespace: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
}

/** The pod list/watch paths: the cluster-wide one, or one per namespace. */
export function podPaths(namespaces: string[]): string[] {
  return namespaces.length === 0 ? [allPodsPath] : namespaces.map(podsPath);
}

export function watchScope(config: PatrolConfig): WatchScope {
  const enabled = (name: string) => config.rules[name]?.enabled === true;
  const stuck = config.rules.stuck as
    | (CommonArgs & { forceDeleteOnLostNode?: boolean })
    | undefined;
  const nodeRules = [
    // Taints lost nodes and evicts their pods.
    ...(enabled("node-lost") ? ["node-lost"] : []),
    // Acts once a node joined or recovered since the pod became unschedulable.
    ...(enabled("unschedulable") ? ["unschedulable"] : []),
    // Force deletes only on a lost node.
    ...(enabled("stuck") && stuck?.forceDeleteOnLostNode ? ["stuck"] : []),
  ];
  return { namespaces: [...new Set(config.selection.namespaces)], nodeRules };
}

/** Cluster-wide patrols always watch nodes (as they always did); namespaced ones when a rule needs them. */
export function watchesNodes(scope: WatchScope): boolean {
  return scope.namespaces.length === 0 || scope.nodeRules.length > 0;
}

/** The flags that turn the node-reading rules off, for error messages. */
export function nodeRuleFlags(scope: WatchScope): string {
  return scope.nodeRules
    .map((r) => (r === "stuck" ? "stuck.forceDeleteOnLostNode: false" : `--disable-rule ${r}`))
    .join(", ");
}
