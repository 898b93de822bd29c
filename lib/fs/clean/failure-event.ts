/** The event for a planned change that was not made: a skip when the file moved on, else an error. */
import type { FsPath } from "../path.ts";
import { Changed, NotCompressible } from "./act.ts";
import type { CleanEvent } from "./clean.ts";
import type { PlannedAction } from "./plan.ts";

export function failureEvent(path: FsPath, action: PlannedAction, error: unknown): CleanEvent {
  if (error instanceof Changed) return { event: "skip", path, reason: error.message };
  const err = error as NodeJS.ErrnoException;
  if (err.code === "ENOENT") {
    // Someone else (logrotate, a person) removed it first: nothing left to do.
    return { event: "skip", path, reason: "vanished before it was touched" };
  }
  return {
    event: "error",
    path,
    op: action,
    code: err.code ?? "EUNKNOWN",
    message: describe(err),
  };
}

function describe(error: NodeJS.ErrnoException): string {
  if (error instanceof NotCompressible) return error.message;
  const known: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "read-only filesystem",
    EBUSY: "resource busy",
    // The node:fs way cannot enter a directory past PATH_MAX (the native layer can).
    ENAMETOOLONG: "path longer than PATH_MAX (4096 bytes); left in place",
  };
  return (error.code && known[error.code]) || error.message;
}
