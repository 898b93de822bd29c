// Kubernetes Events on the objects podpatrol acts on (or decides not to), so `kubectl describe`
// shows why. Sent in the background: a slow or failing events API never delays remediation.
import type { Logger } from "../../cli/log.ts";
import type { KubeRest } from "./rest.ts";

export interface ObjectRef {
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  apiVersion?: string;
}

export interface EventSink {
  emit(object: ObjectRef, type: "Normal" | "Warning", reason: string, message: string): void;
}

export class EventRecorder implements EventSink {
  private pending = 0;

  constructor(
    private readonly rest: KubeRest,
    private readonly identity: string,
    private readonly log: Logger,
    /** Past this many in flight, events are dropped (logged) rather than queued without bound. */
    private readonly maxPending = 200,
  ) {}

  emit(object: ObjectRef, type: "Normal" | "Warning", reason: string, message: string): void {
    if (this.pending >= this.maxPending) {
      this.log.warn("event dropped: too many in flight", { reason, object: object.name });
      return;
    }
    const namespace = object.namespace || "default";
    const now = new Date().toISOString();
    const body = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { generateName: `${object.name}.`, namespace },
      involvedObject: {
        apiVersion: object.apiVersion ?? "v1",
        kind: object.kind,
        name: object.name,
        ...(object.namespace ? { namespace: object.namespace } : {}),
        ...(object.uid ? { uid: object.uid } : {}),
      },
      reason,
      message: message.slice(0, 1000),
      type,
      source: { component: "podpatrol", host: this.identity },
      reportingComponent: "opsctl.io/podpatrol",
      reportingInstance: this.identity,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    this.pending++;
    this.rest
      .request("POST", `/api/v1/namespaces/${namespace}/events`, { body })
      .catch((error: unknown) =>
        this.log.warn(`event not recorded: ${(error as Error).message}`, { reason }),
      )
      .finally(() => {
        this.pending--;
      });
  }
}
