/** The NDJSON records of ffind and logclean for times a Date cannot hold (tmpfs, XFS store them). */
import { describe, expect, test } from "bun:test";
import { eventRecord } from "../../lib/fs/clean/report.ts";
import { toRecord } from "../../lib/fs/find.ts";
import { NativeStat } from "../../lib/fs/native/dir.ts";
import type { WalkEntry } from "../../lib/fs/walk.ts";

// touch -d @99999999999999 on tmpfs: year 3 million, past Date's ±8.64e15 ms.
const farFutureMs = 99_999_999_999_999_000;

describe("--json records", () => {
  test("ffind: an mtime out of Date's range is null, not a crash of the whole run", () => {
    const entry: WalkEntry = {
      path: "/logs/odd.log",
      name: "odd.log",
      kind: "file",
      followed: false,
      depth: 1,
      stat: new NativeStat(1, 2, 0o100644, 7, farFutureMs, farFutureMs),
    };
    expect(toRecord(entry)).toEqual({
      path: "/logs/odd.log",
      type: "file",
      size: 7,
      mtime: null,
      depth: 1,
    });
    entry.stat = new NativeStat(1, 2, 0o100644, 7, 0, 0);
    expect(toRecord(entry).mtime).toBe("1970-01-01T00:00:00.000Z");
  });

  test("logclean: a deleted file with such an mtime is still reported (mtime null)", () => {
    const record = eventRecord({
      event: "delete",
      path: "/logs/odd.log",
      size: 7,
      mtimeMs: -farFutureMs,
      dryRun: false,
      bytesFreed: 7,
    });
    expect(record).toMatchObject({ event: "delete", path: "/logs/odd.log", mtime: null });
  });
});
