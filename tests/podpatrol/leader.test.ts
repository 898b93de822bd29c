// Leader election against an in-memory Lease store that behaves like the API server's
// (resourceVersion conflicts, 404 before the Lease exists), one connection per replica so a
// test can black-hole one replica's requests while the other's still get through.
import { afterEach, expect, test } from "bun:test";
import { Logger } from "../../lib/cli/log.ts";
import { LeaderElector } from "../../lib/podpatrol/kube/leader.ts";
import { KubeApiError, type KubeRest, type RequestOptions } from "../../lib/podpatrol/kube/rest.ts";

interface StoredLease {
  metadata: { name: string; namespace: string; resourceVersion: string };
  spec: Record<string, unknown>;
}

class LeaseStore {
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

/** One replica's connection to the store; `blackHoled` makes every request hang until aborted. */
function connection(store: LeaseStore) {
  const conn = {
    blackHoled: false,
    rest: {
      async request(method: string, _path: string, options: RequestOptions = {}) {
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

const quiet = new Logger({
  tool: "podpatrol",
  level: "error",
  format: "json",
  color: false,
  write: () => {},
});

const electors: LeaderElector[] = [];
afterEach(async () => {
  for (const e of electors.splice(0)) await e.stop();
});

function elector(conn: ReturnType<typeof connection>, identity: string): LeaderElector {
  const e = new LeaderElector(
    conn.rest,
    {
      namespace: "ops",
      name: "podpatrol",
      identity,
      leaseDuration: 0.6,
      renewDeadline: 0.4,
      retryPeriod: 0.05,
    },
    quiet,
    () => {},
  );
  electors.push(e);
  return e;
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await Bun.sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("a leader whose API requests hang has stopped acting before another replica takes over", async () => {
  const store = new LeaseStore();
  const connA = connection(store);
  const connB = connection(store);
  const a = elector(connA, "replica-a");
  a.start();
  await until("a to lead", () => a.isLeader);
  const b = elector(connB, "replica-b");
  b.start();
  // A's API server connection is black-holed: its renewals never answer (until they time out).
  connA.blackHoled = true;
  try {
    await until("b to take over", () => b.isLeader);
    expect(store.lease?.spec.holderIdentity).toBe("replica-b");
    // B acts now: A must not (split brain), although its own request has not failed yet.
    expect(a.isLeader).toBe(false);
  } finally {
    connA.blackHoled = false;
  }
});
