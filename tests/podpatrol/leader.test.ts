// Leader election against an in-memory Lease store that behaves like the API server's
// (resourceVersion conflicts, 404 before the Lease exists), one connection per replica so a
// test can black-hole or hold back one replica's requests while the other's still get through.
import { afterEach, expect, setSystemTime, test } from "bun:test";
import type { LeaderElector } from "../../lib/podpatrol/kube/leader.ts";
import { connection, LeaseStore, newElector, until } from "./lease-store.ts";

const electors: LeaderElector[] = [];
afterEach(async () => {
  for (const e of electors.splice(0)) await e.stop();
});

function elector(conn: ReturnType<typeof connection>, identity: string): LeaderElector {
  const e = newElector(conn, identity);
  electors.push(e);
  return e;
}

/** Two replicas on one Lease store: replica-a leads, replica-b has started and waits. */
async function aLeadingBWaiting() {
  const store = new LeaseStore();
  const connA = connection(store);
  const connB = connection(store);
  const a = elector(connA, "replica-a");
  a.start();
  await until("a to lead", () => a.isLeader);
  const b = elector(connB, "replica-b");
  b.start();
  return { store, connA, connB, a, b };
}

test("a leader whose API requests hang has stopped acting before another replica takes over", async () => {
  const { store, connA, a, b } = await aLeadingBWaiting();
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

test("stopped with its API server hung, a leader gives up releasing the Lease after renewDeadline", async () => {
  const store = new LeaseStore();
  const conn = connection(store);
  const a = elector(conn, "replica-a");
  a.start();
  await until("a to lead", () => a.isLeader);
  conn.blackHoled = true;
  try {
    // Before, the release's requests had no deadline of their own here (30 s each for real):
    // stop() never returned on a black-holed connection.
    await a.stop();
    expect(a.isLeader).toBe(false);
    expect(store.lease?.spec.holderIdentity).toBe("replica-a"); // not released: it expires
  } finally {
    conn.blackHoled = false;
  }
});

test("stopped while its request for the Lease is under way, a replica hands back what it gets", async () => {
  const store = new LeaseStore();
  const conn = connection(store);
  let letThrough = () => {};
  conn.heldBack = new Promise<void>((resolve) => {
    letThrough = resolve;
  });
  const a = elector(conn, "replica-a");
  a.start();
  await until("a's first request", () => conn.requests > 0);
  // Stopped (a SIGHUP to dry-run, a SIGTERM) before the API server answered: the Lease it then
  // creates must not stay held for a whole lease duration by a replica that no longer acts.
  const stopped = a.stop();
  conn.heldBack = undefined;
  letThrough();
  await stopped;
  expect(a.isLeader).toBe(false);
  expect(store.lease?.spec.holderIdentity).toBeNull();
});

test("a wall clock stepped back (NTP, a VM resumed) does not keep a leader that cannot renew acting", async () => {
  const { connA, a, b } = await aLeadingBWaiting();
  // A's clock steps back an hour, then its API server connection is lost: its renew deadline
  // must still pass (it was measured on the wall clock: an hour of 'renewed just now').
  setSystemTime(new Date(Date.now() - 3_600_000));
  connA.blackHoled = true;
  try {
    await until("b to take over", () => b.isLeader);
    expect(a.isLeader).toBe(false);
  } finally {
    connA.blackHoled = false;
    setSystemTime();
  }
});
