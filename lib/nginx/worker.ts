/**
 * The Worker side of parallel analysis. Workers are the tool's own entry module started again
 * (self-spawning), so they work the same from source and inside a compiled binary; the entry
 * calls serveRangeWorker() when it finds itself off the main thread.
 */
import { adoptScanModule } from "./engine/scan-engine.ts";
import { analyzeRange, type PostedRange, type RangeJob, toPosted } from "./range.ts";

declare const self: Worker;

export function serveRangeWorker(): void {
  self.onmessage = async (event: MessageEvent<RangeJob>) => {
    let result: PostedRange | { error: string };
    try {
      if (event.data.engineModule) adoptScanModule(event.data.engineModule);
      result = toPosted(await analyzeRange(event.data, 1));
    } catch (error) {
      result = { error: (error as Error).message };
    }
    self.postMessage(result);
    // The range's sketches are garbage now: collect before the next file's range is read, or
    // JSC grows the heap with every file of a rotated set instead of reusing it.
    Bun.gc(true);
  };
}
