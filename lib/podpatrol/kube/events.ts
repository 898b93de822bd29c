// Kubernetes Events on the objects podpatrol acts on (or decides not to), so `kubectl describe`
// shows why. Sent in the background: a slow or failing events API never delays remediation.
import type { Logger } from "../../cli/log.ts";
import { KubeApiError, type KubeRest } from "./rest.ts";

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
    /** Waits before each retry of a failed POST; its length is the number of retries. */
    private readonly retryDelaysMs: readonly number[] = [1000, 2000, 4000, 8000],
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
    this.post(namespace, body)
      .catch((error: unknown) =>
        this.log.warn(`event not recorded: ${(error as Error).message}`, { reason }),
      )
      .finally(() => {
        this.pending--;
      });
  }

  /**
   * Retries what may pass later (no answer, 429, 5xx), as client-go's recorder does, so an API
   * server hiccup does not lose the one Event a decision gets per reportInterval. A 4xx other
   * than 429 (forbidden, invalid, namespace gone) would fail the same way again.
   */
  private async post(namespace: string, body: object): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.rest.request("POST", `/api/v1/namespaces/${namespace}/events`, { body });
        return;
      } catch (error) {
        if (attempt >= this.retryDelaysMs.length + 1 || !isTransient(error)) throw error;
        await unrefSleep(this.retryDelaysMs[attempt - 1] ?? 0);
      }
    }
  }
}

function isTransient(error: unknown): boolean {
  if (!(error instanceof KubeApiError)) return true;
  return error.status === 429 || error.status >= 500;
}

/** A wait that does not keep a stopping daemon alive. */
function unrefSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
