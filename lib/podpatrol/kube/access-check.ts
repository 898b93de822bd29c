// Before a namespaced patrol starts: one list (limit 1) per watch it will open, so a missing Role
// or node permission is one clear error at start, not an unready patrol retrying 403s forever.
// A cluster-wide patrol is not checked: it keeps waiting for its ClusterRole, as it always did.
// A SIGHUP adding namespaces runs the same check on them before the new list is applied.
import { UsageError } from "../../cli/errors.ts";
import { nodeRuleFlags, podsPath, type WatchScope, watchesNodes } from "../watch-scope.ts";
import { KubeApiError, type KubeRest } from "./rest.ts";

/** The API server's 403 message for a list, or undefined when it was not refused. */
async function refusal(rest: KubeRest, path: string): Promise<string | undefined> {
  try {
    await rest.request("GET", path, { query: { limit: 1 }, signal: AbortSignal.timeout(10_000) });
    return undefined;
  } catch (error) {
    // Anything but a 403 (a timeout, a 5xx) is the informers' to retry.
    if (error instanceof KubeApiError && error.status === 403) return error.message;
    return undefined;
  }
}

/** A list the account may not make: exit 2 at start, a refused reload while running. */
export class AccessRefused extends UsageError {
  override name = "AccessRefused";
}

/** Throws AccessRefused naming every namespace (and nodes) the account may not list. */
export async function checkNamespacedAccess(rest: KubeRest, scope: WatchScope): Promise<void> {
  const problems: string[] = [];
  for (const namespace of scope.namespaces) {
    const refused = await refusal(rest, podsPath(namespace));
    if (refused)
      problems.push(
        `pods in namespace ${namespace}: ${refused} (bind the Role of deploy/podpatrol/namespaced/rbac.yaml there)`,
      );
  }
  if (watchesNodes(scope)) {
    const refused = await refusal(rest, "/api/v1/nodes");
    if (refused)
      problems.push(
        `nodes: ${refused}; the rules ${scope.nodeRules.join(", ")} read nodes cluster-wide: grant deploy/podpatrol/namespaced/nodes.yaml, or turn them off: ${nodeRuleFlags(scope)}`,
      );
  }
  if (problems.length > 0)
    throw new AccessRefused(`--namespace: not allowed to list ${problems.join("; ")}`);
}
