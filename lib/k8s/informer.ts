// Informers (list + watch + cache) over BunWatch, the Bun-safe replacement for client-node's
// makeInformer. autoStart is false, as upstream's makeInformer: call informer.start().
import {
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
  ListWatch,
} from "@kubernetes/client-node";
import { BunWatch } from "./watch.ts";

export interface InformerOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/** Like client-node's makeInformer: path is e.g. "/api/v1/pods" or "/api/v1/namespaces/x/pods". */
export function makeInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  listFn: ListPromise<T>,
  options: InformerOptions = {},
): ListWatch<T> {
  return new ListWatch(
    path,
    new BunWatch(kc),
    listFn,
    false,
    options.labelSelector,
    options.fieldSelector,
  );
}
