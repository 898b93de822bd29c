// Container restarts counted per owner across pod recreations: a recreated pod starts again at
// restartCount 0, which is how count-based scripts end up deleting the same crash loop forever.
import type { Pod } from "../kube-types.ts";

function totalRestarts(pod: Pod): number {
  let sum = 0;
  for (const s of pod.status?.containerStatuses ?? []) sum += s.restartCount;
  for (const s of pod.status?.initContainerStatuses ?? []) sum += s.restartCount;
  return sum;
}

export class RestartTracker {
  private readonly lastByPod = new Map<string, number>();
  private readonly byOwner = new Map<string, { at: number; count: number; pod: string }[]>();

  constructor(private windowMs: number) {}

  setWindow(ms: number): void {
    this.windowMs = ms;
  }

  observe(pod: Pod, ownerKey: string, now: number): void {
    const uid = pod.metadata.uid;
    const total = totalRestarts(pod);
    const previous = this.lastByPod.get(uid) ?? 0;
    this.lastByPod.set(uid, total);
    if (total <= previous) return;
    const list = this.byOwner.get(ownerKey) ?? [];
    list.push({ at: now, count: total - previous, pod: uid });
    while (list.length > 0 && (list[0]?.at ?? 0) <= now - this.windowMs) list.shift();
    this.byOwner.set(ownerKey, list);
  }

  /** The pod is gone: forget its counter, keep its owner's history. */
  forgetPod(uid: string): void {
    this.lastByPod.delete(uid);
  }

  /** Restarts and distinct pods of this owner within the window. */
  within(ownerKey: string, now: number): { restarts: number; pods: number } {
    const list = (this.byOwner.get(ownerKey) ?? []).filter((e) => e.at > now - this.windowMs);
    return {
      restarts: list.reduce((n, e) => n + e.count, 0),
      pods: new Set(list.map((e) => e.pod)).size,
    };
  }
}
