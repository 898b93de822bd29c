/** Temp dirs for the exporter tests, removed when the test process exits (pass or fail). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];
let hooked = false;

export function scratchDir(prefix: string): string {
  if (!hooked) {
    hooked = true;
    process.on("exit", () => {
      for (const dir of made) rmSync(dir, { recursive: true, force: true });
    });
  }
  const dir = mkdtempSync(join(tmpdir(), `opsctl-${prefix}-`));
  made.push(dir);
  return dir;
}
