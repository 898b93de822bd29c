// Which pods podpatrol may ever touch. A pod that fails here is never evicted or deleted,
// whatever a rule says; the reason becomes the "skipped" metric label and the Event text.
import type { Pod } from "../kube-types.ts";
import { controllerOf } from "../owner.ts";
import type { LabelMatcher } from "./label-selector.ts";

export const OPT_OUT_ANNOTATION = "opsctl.io/patrol";
const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

export interface Selection {
  /** Only these namespaces (empty = all). */
  namespaces: string[];
  excludeNamespaces: string[];
  /** Pods must match this label selector (undefined = all). */
  labels: LabelMatcher | undefined;
  allowKubeSystem: boolean;
}

export interface Ineligible {
  reason: string;
  message: string;
  /**
   * Outside the namespaces the patrol was given (--namespace): not its business at all, so
   * nothing is said about it (an Event there would be written where nobody asked it to look).
   */
  outOfScope?: true;
}

/** Undefined when the pod may be remediated, else why not. */
export function ineligibility(pod: Pod, selection: Selection): Ineligible | undefined {
  const namespace = pod.metadata.namespace ?? "";
  if (pod.metadata.annotations?.[OPT_OUT_ANNOTATION] === "off") {
    return { reason: "opted-out", message: `annotation ${OPT_OUT_ANNOTATION}: "off"` };
  }
  if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) {
    return {
      reason: "static-pod",
      message: "a static (mirror) pod: only its node's kubelet manages it",
    };
  }
  if (namespace === "kube-system" && !selection.allowKubeSystem) {
    return { reason: "kube-system", message: "in kube-system (allow with --allow-kube-system)" };
  }
  if (selection.namespaces.length > 0 && !selection.namespaces.includes(namespace)) {
    return {
      reason: "namespace-excluded",
      message: `namespace ${namespace} is not selected`,
      outOfScope: true,
    };
  }
  if (selection.excludeNamespaces.includes(namespace)) {
    return { reason: "namespace-excluded", message: `namespace ${namespace} is excluded` };
  }
  if (selection.labels && !selection.labels(pod.metadata.labels)) {
    return { reason: "label-excluded", message: "labels do not match the selector" };
  }
  const controller = controllerOf(pod);
  if (!controller) {
    return {
      reason: "bare-pod",
      message: "no controller owns it: deleting it would lose it for good",
    };
  }
  if (controller.kind === "DaemonSet") {
    return { reason: "daemonset-pod", message: `owned by DaemonSet ${controller.name}` };
  }
  if (controller.kind === "Node") {
    return { reason: "static-pod", message: "a static (mirror) pod owned by its node" };
  }
  return undefined;
}
