/**
 * Deletions on another thread, so unlinking one directory overlaps walking and examining the
 * next (find -delete does both on one thread, one after the other). One Worker: the unlinks of a
 * filesystem mostly serialise in the kernel, so more would only contend.
 */
import { nativeFs } from "../native/dir.ts";
import { workerFlags } from "../worker-flags.ts";
import type { RemoveJob, RemoveResult } from "./remove-job.ts";

export class RemovePool {
  private readonly waiting = new Map<
    number,
    { resolve: (result: RemoveResult) => void; reject: (error: Error) => void }
  >();
  private failure: Error | undefined;
  private nextId = 1;

  private constructor(private readonly worker: Worker) {
    worker.onmessage = (event: MessageEvent<RemoveResult>) => {
      const waiter = this.waiting.get(event.data.id);
      this.waiting.delete(event.data.id);
      waiter?.resolve(event.data);
    };
    worker.onerror = (event) => this.fail(new Error(`remover worker failed: ${event.message}`));
  }

  /** Undefined where deletions cannot run on a Worker (no native layer: node:fs would chdir). */
  static start(workerUrl: string | undefined): RemovePool | undefined {
    if (!workerUrl || !nativeFs()) return undefined;
    return new RemovePool(new Worker(workerUrl, { argv: [workerFlags.remove] }));
  }

  run(job: Omit<RemoveJob, "id">): Promise<RemoveResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Transferred, not copied: the job's arrays are not used here again.
      const buffers = [job.names.buffer, job.ends.buffer, job.stats.buffer] as ArrayBuffer[];
      this.worker.postMessage({ ...job, id }, buffers);
    });
  }

  close(): void {
    this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
