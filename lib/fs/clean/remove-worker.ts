/**
 * The Worker side of logclean's deletions: the tool's own entry module started again with
 * workerFlags.remove (self-spawning, so it works from source and in a compiled binary).
 */
import { type RemoveJob, runRemoveJob } from "./remove-job.ts";

declare const self: Worker;

export function handleRemoveJob(event: MessageEvent<RemoveJob>): void {
  const result = runRemoveJob(event.data);
  self.postMessage(result, [result.freed.buffer as ArrayBuffer]);
}
