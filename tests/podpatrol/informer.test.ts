// The informer's watch restarts, against stand-in API servers on loopback: one answers every
// watch with one ERROR event and a clean close (as an API server in trouble can, e.g. a 500 or
// 429 Status in the stream): that is a failure, restarted with backoff, not a server timeout;
// another sends bookmarks and then falls silent without closing (a stalled connection); another
// closes every watch right after it opens (a proxy or load balancer doing so).
import { afterAll, describe, expect, test } from "bun:test";
import { Informer } from "../../lib/podpatrol/kube/informer.ts";
import { KubeRest } from "../../lib/podpatrol/kube/rest.ts";
import { waitUntil } from "../env/k8s-helpers.ts";
import { standInKubeConfig } from "./stand-in-kubeconfig.ts";

/**
 * A stand-in API server on loopback: every list answers no objects at resourceVersion 7, every
 * watch as `watch` says. `idleTimeout: 0` keeps a silent stream open, as a stalled one stays.
 */
function standInApiServer(
  watch: (request: Request, url: URL) => Response | Promise<Response>,
  options: { idleTimeout?: number } = {},
) {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    ...options,
    fetch(request) {
      const url = new URL(request.url);
      if (url.searchParams.get("watch") !== "true")
        return Response.json({ items: [], metadata: { resourceVersion: "7" } });
      return watch(request, url);
    },
  });
}

const server = standInApiServer(() => {
  const status = { kind: "Status", status: "Failure", code: 500, message: "etcd unhappy" };
  return new Response(`${JSON.stringify({ type: "ERROR", object: status })}\n`);
});
afterAll(() => server.stop(true));

function rest(port = server.port): KubeRest {
  return new KubeRest(standInKubeConfig(port));
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

  test("a watch the server closes at once, empty, is not restarted in a tight loop", async () => {
    let watches = 0;
    const closing = standInApiServer(() => {
      watches++;
      return new Response("", { headers: { "content-type": "application/json" } });
    });
    const restarts: string[] = [];
    const informer = new Informer(
      rest(closing.port),
      "/api/v1/pods",
      { upsert: () => {}, remove: () => {} },
      { onRestart: (reason) => void restarts.push(reason) },
    );
    informer.start();
    try {
      await waitUntil("a first watch", async () => watches > 0, 10_000);
      await Bun.sleep(2_000);
    } finally {
      informer.stop();
      closing.stop(true);
    }
    // Backoff from 0.5 s: a handful in 2 s, not thousands.
    expect(restarts[0]).toBe("closed");
    expect(watches).toBeLessThan(10);
  }, 20_000);
});

/**
 * Lists at resourceVersion 7; the first watch sends `bookmarks` BOOKMARK events (resourceVersion
 * 8, 9, ...) every `everyMs`, then nothing, without closing; later watches stay silent too.
 * Records the resourceVersion every watch asked for.
 */
function bookmarkingServer(bookmarks: number, everyMs: number) {
  const watchedFrom: string[] = [];
  const timers = new Set<ReturnType<typeof setInterval>>();
  const stand = standInApiServer(
    (_request, url) => {
      watchedFrom.push(url.searchParams.get("resourceVersion") ?? "");
      const first = watchedFrom.length === 1;
      let sent = 0;
      let timer: ReturnType<typeof setInterval> | undefined;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          if (!first) return;
          timer = setInterval(() => {
            if (sent === bookmarks) return clearInterval(timer);
            sent++;
            const object = { kind: "Pod", metadata: { resourceVersion: String(7 + sent) } };
            controller.enqueue(
              new TextEncoder().encode(`${JSON.stringify({ type: "BOOKMARK", object })}\n`),
            );
          }, everyMs);
          timers.add(timer);
        },
        cancel() {
          clearInterval(timer);
        },
      });
      return new Response(body, { headers: { "content-type": "application/json" } });
    },
    { idleTimeout: 0 },
  );
  return {
    port: stand.port ?? 0,
    watchedFrom,
    stop() {
      for (const t of timers) clearInterval(t);
      stand.stop(true);
    },
  };
}

describe("stalled watches", () => {
  test("bookmarks keep a watch alive and move its resourceVersion; silence restarts it from there", async () => {
    // 20 bookmarks 150 ms apart (3 s) outlast the 2 s idle bound: were bookmarks not counted,
    // the watch would be restarted before the last ones and resume from an older one.
    const stand = bookmarkingServer(20, 150);
    const restarts: { reason: string; error?: unknown }[] = [];
    const upserts: unknown[] = [];
    const informer = new Informer(
      rest(stand.port),
      "/api/v1/pods",
      { upsert: (o) => void upserts.push(o), remove: () => {} },
      { onRestart: (reason, error) => void restarts.push({ reason, error }) },
      { idleSeconds: 2 },
    );
    informer.start();
    try {
      await waitUntil("a second watch", async () => stand.watchedFrom.length >= 2, 20_000);
      expect(informer.healthy()).toBe(true); // resumed at once: never down for the idle bound
    } finally {
      informer.stop();
      stand.stop();
    }
    expect(stand.watchedFrom.slice(0, 2)).toEqual(["7", "27"]);
    expect(restarts[0]?.reason).toBe("idle");
    expect(String((restarts[0]?.error as Error)?.message)).toContain("nothing received for 2 s");
    expect(upserts).toHaveLength(0); // a bookmark is no object change
  }, 30_000);

  test("healthy: not before the sync, and not while no watch has been open for the idle bound", async () => {
    // Lists answer, watches are refused: synced, but every watch fails (with backoff).
    const stand = standInApiServer(() => new Response("unavailable", { status: 503 }));
    const informer = new Informer(
      rest(stand.port ?? 0),
      "/api/v1/pods",
      { upsert: () => {}, remove: () => {} },
      {},
      { idleSeconds: 1 },
    );
    expect(informer.healthy()).toBe(false);
    informer.start();
    try {
      await waitUntil("synced", async () => informer.synced, 10_000);
      await waitUntil("unhealthy", async () => !informer.healthy(), 10_000);
    } finally {
      informer.stop();
      stand.stop(true);
    }
  }, 20_000);

  test("healthy: not while every watch is closed right after it opens, however often retried", async () => {
    // A proxy or load balancer closing each watch at once: every retry (under the idle bound)
    // opens one, and none ever delivers anything.
    let watches = 0;
    const stand = standInApiServer(() => {
      watches++;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("\n")); // the headers go out: it opens
          setTimeout(() => {
            // Unless the client went first (stopped): closing a cancelled stream throws, and
            // the error, uncaught, failed whichever test was running then.
            try {
              controller.close();
            } catch {}
          }, 100);
        },
      });
      return new Response(body, { headers: { "content-type": "application/json" } });
    });
    const restarts: string[] = [];
    const informer = new Informer(
      rest(stand.port ?? 0),
      "/api/v1/pods",
      { upsert: () => {}, remove: () => {} },
      { onRestart: (reason) => void restarts.push(reason) },
      { idleSeconds: 1 },
    );
    informer.start();
    const answers = new Set<boolean>();
    try {
      await waitUntil("unhealthy", async () => informer.synced && !informer.healthy(), 20_000);
      const before = watches;
      await waitUntil(
        "two more watches",
        async () => {
          answers.add(informer.healthy());
          return watches >= before + 2;
        },
        30_000,
      );
    } finally {
      informer.stop();
      stand.stop(true);
    }
    expect([...answers]).toEqual([false]);
    expect(new Set(restarts)).toEqual(new Set(["closed"])); // clean ends, not failures
  }, 60_000);
});

describe("stop", () => {
  test("stopped while its watch is connecting: the watch is closed once it connects", async () => {
    // A namespace dropped on SIGHUP while its watch request awaits the response headers: the
    // stream that then opens must be closed, not held (and served) until the server timeout.
    let answer: () => void = () => {};
    const headersHeld = new Promise<void>((resolve) => {
      answer = resolve;
    });
    let watchRequest: Request | undefined;
    let closed = false;
    const stand = standInApiServer(
      async (request) => {
        watchRequest = request;
        await headersHeld;
        // Open and silent (a blank line sends the headers); cancelled when the client closes.
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("\n"));
          },
          cancel() {
            closed = true;
          },
        });
        return new Response(body, { headers: { "content-type": "application/json" } });
      },
      { idleTimeout: 0 },
    );
    const informer = new Informer(rest(stand.port ?? 0), "/api/v1/namespaces/dropped/pods", {
      upsert: () => {},
      remove: () => {},
    });
    informer.start();
    try {
      await waitUntil("the watch request", async () => watchRequest !== undefined, 10_000);
      informer.stop();
      answer();
      await waitUntil("the watch closed", async () => closed, 10_000);
    } finally {
      informer.stop();
      stand.stop(true);
    }
  }, 20_000);
});
