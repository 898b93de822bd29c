// A reflector: list (paged), then watch from the list's resourceVersion, keeping a cache and
// calling handlers. Unlike client-node's informer, which stops on most errors, it restarts by
// itself: a watch that ends or fails is resumed from the last resourceVersion with backoff, and
// a 410 Gone (expired resourceVersion) triggers a fresh list. Nothing polls.
// A watch asks for bookmarks (the API server sends one about every minute even when nothing
// changes), so silence means a stalled connection (a dropped NAT/conntrack entry, an idling load
// balancer): after `idleSeconds` without an event or bookmark the stream is aborted and resumed.
// Healthy means a watch worked within the same bound: one that is closed as soon as it opens,
// however often it is retried, sees nothing.
import { BunWatch } from "../../k8s/watch.ts";
import type { ObjectMeta } from "../kube-types.ts";
import { KubeApiError, type KubeRest } from "./rest.ts";

export interface InformerHandlers<T> {
  upsert(object: T, previous: T | undefined): void;
  remove(object: T): void;
}

export interface InformerHooks {
  /** A watch restarted (`reason`: "expired", "error", "closed", "idle", "list-error"). */
  onRestart?(reason: string, error?: unknown): void;
  onSynced?(): void;
}

export interface InformerSettings {
  /** Objects per list page. */
  pageSize: number;
  /** Server-side watch timeout (timeoutSeconds): the API server ends each watch after it. */
  watchSeconds: number;
  /**
   * A watch that receives nothing at all (no event, no bookmark, no byte) for this long is
   * stalled: it is aborted and resumed from the last resourceVersion. Above the API server's
   * bookmark interval (about a minute, not configurable). Also the connect timeout, and how
   * long `healthy` tolerates having no working watch.
   */
  idleSeconds: number;
}

export const defaultInformerSettings: InformerSettings = {
  pageSize: 500,
  watchSeconds: 300,
  idleSeconds: 120, // twice the bookmark interval
};

type Obj = { metadata: ObjectMeta };

/**
 * A watch that ends cleanly sooner than this with no event was not a server-side timeout; one
 * that stays open this long works (it would deliver any change).
 */
const quickCloseMs = 1_000;

export class Informer<T extends Obj> {
  readonly cache = new Map<string, T>();
  synced = false;
  protected resourceVersion = "";
  private stopped = false;
  protected abort: AbortController | undefined;
  private failures = 0;
  private readonly watch: BunWatch;
  private readonly settings: InformerSettings;
  /** performance.now() when the open watch opened; undefined while none is open. */
  private openSince: number | undefined;
  /** performance.now() when a watch last worked: a list, an event or bookmark, a working watch's end. */
  private lastWorked = performance.now();

  constructor(
    private readonly rest: KubeRest,
    /** e.g. "/api/v1/pods" */
    readonly path: string,
    private readonly handlers: InformerHandlers<T>,
    private readonly hooks: InformerHooks = {},
    settings: Partial<InformerSettings> = {},
  ) {
    this.settings = { ...defaultInformerSettings, ...settings };
    this.watch = new BunWatch(rest.kc);
    // BunWatch's timer is reset by every chunk: a bookmark counts as much as an event.
    this.watch.timeoutMs = this.settings.idleSeconds * 1000;
  }

  /**
   * Synced, and a watch works (open for over quickCloseMs) or did at most idleSeconds ago (a
   * reconnect after the server-side timeout, an idle restart or a short outage stays healthy).
   * A watch closed before quickCloseMs with nothing in it did not work, even though it opened:
   * retried with backoff (at most 30 s, well under the 120 s default), such watches keep a
   * patrol blind, and unready once idleSeconds have passed. A stalled watch counts as working
   * until it is detected, at most idleSeconds after it last received anything.
   */
  healthy(now = performance.now()): boolean {
    if (!this.synced) return false;
    if (this.openSince !== undefined && now - this.openSince >= quickCloseMs) return true;
    return now - this.lastWorked <= this.settings.idleSeconds * 1000;
  }

  start(): void {
    void this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private key(object: T): string {
    const m = object.metadata;
    return m.namespace ? `${m.namespace}/${m.name}` : m.name;
  }

  /** Strips what we never read (managedFields are often half of an object). */
  private slim(object: T): T {
    const meta = object.metadata as ObjectMeta & { managedFields?: unknown };
    delete meta.managedFields;
    return object;
  }

  private async relist(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.list();
        if (this.stopped) return;
        this.lastWorked = performance.now();
        this.failures = 0;
        if (!this.synced) {
          this.synced = true;
          this.hooks.onSynced?.();
        }
        await this.startWatch();
        return;
      } catch (error) {
        if (this.stopped) return;
        this.hooks.onRestart?.("list-error", error);
        await this.backoff();
      }
    }
  }

  private async list(): Promise<void> {
    const seen = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion = "";
    do {
      const page = await this.rest.request<{
        items: T[];
        metadata: { resourceVersion: string; continue?: string };
      }>("GET", this.path, { query: { limit: this.settings.pageSize, continue: continueToken } });
      // Stopped meanwhile (a namespace dropped on reload): its pods must not come back.
      if (this.stopped) return;
      for (const item of page.items) seen.set(this.key(item), this.slim(item));
      continueToken = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (continueToken);
    for (const [key, old] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.handlers.remove(old);
      }
    }
    for (const [key, object] of seen) {
      const previous = this.cache.get(key);
      this.cache.set(key, object);
      if (previous?.metadata.resourceVersion !== object.metadata.resourceVersion)
        this.handlers.upsert(object, previous);
    }
    this.resourceVersion = resourceVersion;
  }

  private async startWatch(): Promise<void> {
    if (this.stopped) return;
    const startedAt = performance.now();
    let expired = false;
    let gotEvent = false;
    let ended = false;
    /** An ERROR event other than 410: the close that follows it is a failure, not a timeout. */
    let failed: Error | undefined;
    const onEvent = (type: string, raw: unknown) => {
      if (this.stopped) return;
      if (type === "ERROR") {
        const status = raw as { code?: number; message?: string };
        if (status.code === 410) expired = true;
        else failed = new Error(`watch ERROR ${status.code ?? "?"}: ${status.message ?? ""}`);
        return;
      }
      gotEvent = true;
      this.lastWorked = performance.now();
      const object = raw as T;
      if (object.metadata?.resourceVersion) this.resourceVersion = object.metadata.resourceVersion;
      if (type === "BOOKMARK") return;
      const key = this.key(object);
      if (type === "DELETED") {
        const previous = this.cache.get(key);
        this.cache.delete(key);
        this.handlers.remove(previous ?? object);
      } else {
        const previous = this.cache.get(key);
        this.cache.set(key, this.slim(object));
        this.handlers.upsert(object, previous);
      }
    };
    const onDone = (closeError: unknown) => {
      ended = true;
      const now = performance.now();
      // It worked until now if it stayed open or delivered; a quick empty close never did.
      if (this.openSince !== undefined && (gotEvent || now - this.openSince >= quickCloseMs))
        this.lastWorked = now;
      this.openSince = undefined;
      if (this.stopped) return;
      const error = closeError ?? failed;
      if (gotEvent) this.failures = 0;
      const gone =
        expired ||
        (error instanceof KubeApiError && error.status === 410) ||
        (error as { statusCode?: number } | null)?.statusCode === 410;
      if (gone) {
        this.hooks.onRestart?.("expired");
        void this.relist();
        return;
      }
      // A clean end is the server-side timeout: resume at once. Anything else backs off, and so
      // does a clean end that came at once with nothing in it (a server or proxy closing every
      // watch would otherwise be asked again thousands of times a second).
      if (!error) {
        this.hooks.onRestart?.("closed");
        if (gotEvent || performance.now() - startedAt >= quickCloseMs) void this.startWatch();
        else void this.backoff().then(() => this.startWatch());
        return;
      }
      // Nothing for idleSeconds (BunWatch's TimeoutError): that wait already throttled us, so
      // resume at once from the last resourceVersion, as client-node's ListWatch does.
      if ((error as { name?: string } | null)?.name === "TimeoutError") {
        const seconds = this.settings.idleSeconds;
        this.hooks.onRestart?.(
          "idle",
          new Error(`nothing received for ${seconds} s (no event, no bookmark)`),
        );
        void this.startWatch();
        return;
      }
      this.hooks.onRestart?.("error", error);
      void this.backoff().then(() => this.startWatch());
    };
    this.abort = await this.watch.watch(
      this.path,
      {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: this.settings.watchSeconds,
      },
      onEvent,
      onDone,
    );
    // Stopped while it connected (stop() aborted the previous controller, not this one).
    if (this.stopped) this.abort.abort();
    if (!ended) this.openSince = performance.now(); // the stream is open
  }

  /** Exponential backoff with jitter, 0.5 s up to 30 s. */
  private async backoff(): Promise<void> {
    this.failures++;
    const base = Math.min(30_000, 500 * 2 ** Math.min(this.failures - 1, 6));
    const delay = base / 2 + Math.random() * (base / 2);
    await Bun.sleep(delay);
  }
}
