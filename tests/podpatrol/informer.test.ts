// The informer's watch restarts, against a stand-in API server on loopback that answers every
// watch with one ERROR event and a clean close (as an API server in trouble can, e.g. a 500 or
// 429 Status in the stream): that is a failure, restarted with backoff, not a server timeout.
import { afterAll, describe, expect, test } from "bun:test";
import { KubeConfig } from "@kubernetes/client-node";
import { Informer } from "../../lib/podpatrol/kube/informer.ts";
import { KubeRest } from "../../lib/podpatrol/kube/rest.ts";
import { waitUntil } from "../env/k8s-helpers.ts";

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request) {
    const url = new URL(request.url);
    if (url.searchParams.get("watch") !== "true")
      return Response.json({ items: [], metadata: { resourceVersion: "7" } });
    const status = { kind: "Status", status: "Failure", code: 500, message: "etcd unhappy" };
    return new Response(`${JSON.stringify({ type: "ERROR", object: status })}\n`);
  },
});
afterAll(() => server.stop(true));

function rest(): KubeRest {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${server.port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return new KubeRest(kc);
}

describe("informer", () => {
  test("a watch ERROR (not 410) then a clean close restarts as an error, with backoff", async () => {
    const restarts: { reason: string; error?: unknown }[] = [];
    const informer = new Informer(
      rest(),
      "/api/v1/pods",
      { upsert: () => {}, remove: () => {} },
      { onRestart: (reason, error) => void restarts.push({ reason, error }) },
    );
    informer.start();
    try {
      await waitUntil("a watch restart", async () => restarts.length > 0, 10_000);
    } finally {
      informer.stop();
    }
    expect(restarts[0]?.reason).toBe("error");
    expect(String((restarts[0]?.error as Error)?.message)).toContain("etcd unhappy");
  }, 20_000);
});
