// Leadership: a dry run makes no request to the Lease and judges as if it led; going live joins
// the election (acting only once leader), going back to dry-run hands the Lease back.
import { afterEach, expect, test } from "bun:test";
import { Leadership } from "../../lib/podpatrol/leadership.ts";
import { connection, LeaseStore, newElector, until } from "./lease-store.ts";

const started: Leadership[] = [];
afterEach(async () => {
  for (const l of started.splice(0)) await l.stop();
});

function leadership(conn: ReturnType<typeof connection>, dryRun: boolean): Leadership {
  const l = new Leadership(() => newElector(conn, "replica-a"), dryRun);
  started.push(l);
  l.start();
  return l;
}

test("a dry run judges as the leader would and never asks for the Lease", async () => {
  const store = new LeaseStore();
  const conn = connection(store);
  const l = leadership(conn, true);
  expect(l.isLeader).toBe(true);
  await Bun.sleep(300); // six retry periods of an elector
  expect(conn.requests).toBe(0);
  expect(store.lease).toBeUndefined();
});

test("dry-run -> live joins the election and leads only once it holds the Lease", async () => {
  const store = new LeaseStore();
  const conn = connection(store);
  const l = leadership(conn, true);
  l.setDryRun(false);
  expect(l.isLeader).toBe(false);
  await until("leading", () => l.isLeader);
  expect(store.lease?.spec.holderIdentity).toBe("replica-a");
});

test("live -> dry-run hands the Lease back and stops renewing it", async () => {
  const store = new LeaseStore();
  const conn = connection(store);
  const l = leadership(conn, false);
  await until("leading", () => l.isLeader);
  l.setDryRun(true);
  expect(l.isLeader).toBe(true); // as if leader, for the dry run's reports
  await until("the Lease released", () => store.lease?.spec.holderIdentity === null);
  const released = structuredClone(store.lease);
  const requests = conn.requests;
  await Bun.sleep(300);
  expect(conn.requests).toBe(requests);
  expect(store.lease).toEqual(released);
});

test("live -> dry-run -> live at once ends leading, the Lease held", async () => {
  const store = new LeaseStore();
  const conn = connection(store);
  const l = leadership(conn, false);
  await until("leading", () => l.isLeader);
  l.setDryRun(true);
  l.setDryRun(false);
  expect(l.isLeader).toBe(false);
  await until("leading again", () => l.isLeader);
  await Bun.sleep(300);
  expect(l.isLeader).toBe(true);
  expect(store.lease?.spec.holderIdentity).toBe("replica-a");
});
