// An in-memory Lease store that behaves like the API server's (resourceVersion conflicts, 404
// before the Lease exists), and one connection to it per replica, so a test can hold back or
// black-hole one replica's requests while the other's still get through; electors on it.
import { LeaderElector } from "../../lib/podpatrol/kube/leader.ts";
import { KubeApiError, type KubeRest, type RequestOptions } from "../../lib/podpatrol/kube/rest.ts";
import { waitUntil } from "../helpers/wait-until.ts";
import { quietLog } from "./test-log.ts";

export interface StoredLease {
  metadata: { name: string; namespace: string; resourceVersion: string };
  spec: Record<string, unknown>;
}

export class LeaseStore {
  lease: StoredLease | undefined;
  private version = 0;

  handle(method: string, options: RequestOptions): unknown {
    const body = options.body as StoredLease | undefined;
    if (method === "GET") {
      if (!this.lease) throw new KubeApiError(404, "NotFound", "lease not found");
      return structuredClone(this.lease);
    }
    if (method === "POST") {
      if (this.lease) throw new KubeApiError(409, "AlreadyExists", "lease exists");
      this.lease = this.stored(body);
      return structuredClone(this.lease);
    }
    if (method === "PUT") {
      if (body?.metadata.resourceVersion !== this.lease?.metadata.resourceVersion)
        throw new KubeApiError(409, "Conflict", "the object has been modified");
      this.lease = this.stored(body);
      return structuredClone(this.lease);
    }
    throw new Error(`unexpected ${method}`);
  }

  private stored(body: StoredLease | undefined): StoredLease {
    if (!body) throw new Error("no body");
    this.version++;
    return {
      metadata: { ...body.metadata, resourceVersion: String(this.version) },
      spec: body.spec,
    };
  }
}

/**
 * One replica's connection to the store; `blackHoled` makes every request hang until aborted,
 * `heldBack` makes requests wait for it. `requests` counts them all.
 */
export function connection(store: LeaseStore) {
  const conn = {
    blackHoled: false,
    heldBack: undefined as Promise<void> | undefined,
    requests: 0,
    rest: {
      async request(method: string, _path: string, options: RequestOptions = {}) {
        conn.requests++;
        if (conn.heldBack) await conn.heldBack;
        if (conn.blackHoled) {
          return new Promise((_resolve, reject) => {
            options.signal?.addEventListener("abort", () => reject(options.signal?.reason));
          });
        }
        return store.handle(method, options);
      },
    } as unknown as KubeRest,
  };
  return conn;
}

/** An elector for the "ops/podpatrol" Lease over conn, with sub-second timings, not started. */
export function newElector(conn: ReturnType<typeof connection>, identity: string): LeaderElector {
  const settings = {
    namespace: "ops",
    name: "podpatrol",
    identity,
    leaseDuration: 0.6,
    renewDeadline: 0.4,
    retryPeriod: 0.05,
  };
  return new LeaderElector(conn.rest, settings, quietLog, () => {});
}

/** Waits for a check on the store or an elector: 25 ms polls (their timings are sub-second), 10 s. */
export async function until(what: string, check: () => boolean): Promise<void> {
  await waitUntil(what, check, 10_000, 25);
}
