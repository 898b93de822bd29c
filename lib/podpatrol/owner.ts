// The owner a pod's remediation is keyed by: the controlling object, lifted from ReplicaSet to
// its Deployment through the pod-template-hash label (no ReplicaSet reads, so no extra RBAC),
// so cooldowns and restart history survive both pod recreations and Deployment rollouts.
import type { OwnerReference, Pod } from "./kube-types.ts";

export interface Owner {
  kind: string;
  name: string;
  namespace: string;
  /** "namespace/Kind/name": the ledger and breaker key. */
  key: string;
}

export function controllerOf(pod: Pod): OwnerReference | undefined {
  return pod.metadata.ownerReferences?.find((o) => o.controller === true);
}

export function ownerOf(pod: Pod): Owner | undefined {
  const ref = controllerOf(pod);
  if (!ref) return undefined;
  const namespace = pod.metadata.namespace ?? "";
  let kind = ref.kind;
  let name = ref.name;
  const hash = pod.metadata.labels?.["pod-template-hash"];
  if (kind === "ReplicaSet" && hash && name.endsWith(`-${hash}`)) {
    kind = "Deployment";
    name = name.slice(0, -(hash.length + 1));
  }
  return { kind, name, namespace, key: `${namespace}/${kind}/${name}` };
}
