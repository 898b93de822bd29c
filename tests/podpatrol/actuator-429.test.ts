// A 429 from the Eviction API is either a PodDisruptionBudget refusing it or the API server's own
// rate limit (priority and fairness); the actuator tells them apart by the Status message, against
// a stand-in API server on loopback answering each as a real one does.
import { afterAll, expect, test } from "bun:test";
import { KubeActuator } from "../../lib/podpatrol/kube/actuator.ts";
import { KubeRest } from "../../lib/podpatrol/kube/rest.ts";
import { standInKubeConfig } from "./stand-in-kubeconfig.ts";

const budget = {
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  message: "Cannot evict pod as it would violate the pod's disruption budget.",
  reason: "TooManyRequests",
  details: {
    causes: [
      {
        reason: "DisruptionBudget",
        message: "The disruption budget web needs 2 healthy pods and has 2 currently",
      },
    ],
  },
  code: 429,
};
const throttled = {
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  message: "Too many requests, please try again later.",
  reason: "TooManyRequests",
  details: { retryAfterSeconds: 1 },
  code: 429,
};
let answer: object = budget;
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () => Response.json(answer, { status: 429, headers: { "retry-after": "1" } }),
});
afterAll(() => server.stop(true));

function actuator(): KubeActuator {
  return new KubeActuator(new KubeRest(standInKubeConfig(server.port)));
}

const pod = {
  metadata: { name: "web-1", namespace: "shop", uid: "u1", resourceVersion: "9" },
} as never;

test("a 429 naming the disruption budget is 'blocked'; the API server's throttling is 'throttled'", async () => {
  answer = budget;
  expect(await actuator().evict(pod)).toBe("blocked");
  answer = throttled;
  expect(await actuator().evict(pod)).toBe("throttled");
});
