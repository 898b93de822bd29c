// client-node's Watch (and so its informers/ListWatch) fetches through undici with a dispatcher
// that Bun ignores; this subclass keeps its contract (callback per event, done called once,
// AbortController returned, inactivity timeout) but streams through Bun's fetch with the
// kubeconfig's TLS material.
import { type KubeConfig, Watch } from "@kubernetes/client-node";
import { kubeRequestOptions } from "./tls.ts";

type WatchCallback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;
type DoneCallback = (err: unknown) => void;

function timeoutError(): DOMException {
  return new DOMException("The operation was aborted due to timeout", "TimeoutError");
}

export class BunWatch extends Watch {
  /** Connect timeout, then inactivity timeout (upstream's private requestTimeoutMs). */
  timeoutMs = 30_000;

  constructor(private readonly kc: KubeConfig) {
    super(kc);
  }

  override async watch(
    path: string,
    queryParams: Record<string, unknown>,
    callback: WatchCallback,
    done: DoneCallback,
  ): Promise<AbortController> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error("No currently active cluster");
    const url = new URL(cluster.server + path);
    url.searchParams.set("watch", "true");
    for (const [key, value] of Object.entries(queryParams ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }

    const controller = new AbortController();
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const clearTimer = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
    // Connect timeout first, then an inactivity timeout reset by every chunk, as upstream.
    const resetTimer = () => {
      clearTimer();
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(timeoutError());
      }, this.timeoutMs);
      timer.unref?.();
    };
    let doneCalled = false;
    const doneOnce = (err: unknown) => {
      if (doneCalled) return;
      doneCalled = true;
      clearTimer();
      controller.abort();
      done(err && timedOut ? timeoutError() : err);
    };

    try {
      resetTimer();
      const { tls, headers } = await kubeRequestOptions(this.kc);
      const response = await fetch(url, { method: "GET", headers, tls, signal: controller.signal });
      if (response.status !== 200 || !response.body) {
        const error = new Error(response.statusText || `HTTP ${response.status}`) as Error & {
          statusCode?: number;
        };
        error.statusCode = response.status;
        throw error;
      }
      resetTimer();
      void this.pump(response.body, callback, resetTimer).then(
        () => doneOnce(null),
        (err: unknown) => doneOnce(controller.signal.aborted && !timedOut ? null : err),
      );
    } catch (err) {
      doneOnce(err);
    }
    return controller;
  }

  /** Reads newline-delimited watch events until the stream ends or is aborted. */
  private async pump(
    body: ReadableStream<Uint8Array>,
    callback: WatchCallback,
    onData: () => void,
  ): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of body) {
      onData();
      pending += decoder.decode(chunk, { stream: true });
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line) emit(line, callback);
        newline = pending.indexOf("\n");
      }
    }
    const rest = (pending + decoder.decode()).trim();
    if (rest) emit(rest, callback);
  }
}

function emit(line: string, callback: WatchCallback): void {
  let event: { type: string; object: unknown };
  try {
    event = JSON.parse(line);
  } catch {
    return; // as upstream: a malformed line is skipped, not fatal
  }
  callback(event.type, event.object, event);
}
