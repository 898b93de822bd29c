/** logclean's engine in-process, where a test can race it deterministically (beforeAct hook). */
import { describe, expect, spyOn, test } from "bun:test";
import * as fs from "node:fs";
import {
  appendFileSync,
  chmodSync,
  chownSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { type CleanEvent, type CleanOptions, clean } from "../../lib/fs/clean/clean.ts";
import { libc } from "../../lib/fs/native/libc.ts";
import { toText } from "../../lib/fs/path.ts";
import { cleanOptions as options } from "./clean-options.ts";
import { differences, dir, exists, file, nobody, snapshot, tempDir } from "./tree.ts";

/**
 * On Linux the temp becomes NAME.gz by name in the directory's descriptor (linkat, renameat), not
 * through node:fs: `before` runs right before either, as the node:fs spies do for theirs.
 */
function nativeCommits(before: () => void) {
  const c = libc();
  if (!c) return [];
  const { linkat, renameat } = c;
  return [
    spyOn(c, "linkat").mockImplementation((...args) => {
      before();
      return linkat(...args);
    }),
    spyOn(c, "renameat").mockImplementation((...args) => {
      before();
      return renameat(...args);
    }),
  ];
}

async function run(opts: CleanOptions) {
  const events: CleanEvent[] = [];
  const summary = await clean(opts, (event) => events.push(event));
  return { summary, events };
}

describe("clean engine", () => {
  test("a log appended to after it was examined is not deleted", async () => {
    const root = dir(join(tempDir("race"), "logs"));
    const live = join(root, "live.log");
    const stale = join(root, "stale.log");
    file(live, 30);
    file(stale, 30);
    const { summary, events } = await run(
      options(root, {
        beforeAct: (planned) => {
          if (toText(planned.path) === live) appendFileSync(live, "one more line\n");
        },
      }),
    );
    expect(exists(live)).toBe(true);
    expect(readFileSync(live, "utf8").endsWith("one more line\n")).toBe(true);
    expect(exists(stale)).toBe(false);
    expect(summary.deleted).toBe(1);
    expect(summary.skipped).toBe(1);
    expect(summary.errors).toBe(0);
    const skip = events.find((e) => e.event === "skip");
    expect(skip && toText(skip.path)).toBe(live);
  });

  test("a log replaced by another file with the same name is not deleted", async () => {
    const root = dir(join(tempDir("swap"), "logs"));
    const path = join(root, "app.log");
    file(path, 30);
    const { summary } = await run(
      options(root, {
        beforeAct: () => {
          renameSync(path, `${path}.1`); // logrotate moves it away
          file(path, 30); // and a new, equally old-looking file takes its name
        },
      }),
    );
    expect(summary.deleted).toBe(0);
    expect(summary.skipped).toBe(1);
    expect(exists(path)).toBe(true);
  });

  test("a directory swapped for a symlink after the scan is left alone, outside untouched", async () => {
    const base = tempDir("dirswap");
    const root = dir(join(base, "logs"));
    const outside = dir(join(base, "outside"));
    file(join(outside, "precious.log"), 30);
    dir(join(root, "a"));
    dir(join(root, "b"));
    file(join(root, "a", "1.log"), 30);
    file(join(root, "b", "2.log"), 30);
    const before = snapshot(outside);
    let swapped = false;
    const { summary, events } = await run(
      options(root, {
        maxDelete: 100, // plan everything first, then act: the swap happens in between
        beforeAct: (planned) => {
          if (swapped) return;
          swapped = true;
          const other = toText(planned.path).includes("/a/") ? "b" : "a";
          renameSync(join(root, other), join(base, `moved-${other}`));
          symlinkSync(outside, join(root, other));
        },
      }),
    );
    expect(differences(before, snapshot(outside))).toEqual([]);
    expect(summary.deleted).toBe(1);
    expect(events.some((e) => e.event === "skip" && /symlink|replaced/.test(e.reason))).toBe(true);
  });

  test("compression is atomic and keeps the original time; the .gz expires later", async () => {
    const root = dir(join(tempDir("gzip"), "logs"));
    const young = join(root, "young.log");
    const mid = join(root, "mid.log");
    const ancient = join(root, "ancient.log.gz");
    file(young, 0, 1000);
    file(mid, 3, 5000);
    file(ancient, 40, 10);
    const midTime = statSync(mid).mtimeMs;
    const { summary } = await run(options(root, { compressAfter: 1 }));
    expect(summary.compressed).toBe(1);
    expect(summary.deleted).toBe(1); // ancient.log.gz: "<match>.gz" expires like its log
    expect(exists(mid)).toBe(false);
    expect(exists(`${mid}.gz.tmp`)).toBe(false);
    expect(exists(ancient)).toBe(false);
    expect(exists(young)).toBe(true);
    const gz = statSync(`${mid}.gz`);
    expect(gz.mtimeMs).toBe(midTime);
    expect(gunzipSync(readFileSync(`${mid}.gz`)).equals(Buffer.alloc(5000, 0x61))).toBe(true);
    expect(summary.bytesFreed).toBe(10 + (5000 - gz.size));
  });

  test("the .gz keeps the log's owner, group and mode (like gzip), whatever the umask", async () => {
    const root = dir(join(tempDir("gzowner"), "logs"));
    const log = join(root, "app.log");
    file(log, 3, 5000);
    chownSync(log, nobody.uid, 4); // nobody:adm, as a daemon's log under /var/log usually is
    chmodSync(log, 0o640);
    const umask = process.umask(0o077);
    try {
      const { summary } = await run(options(root, { compressAfter: 1 }));
      expect(summary.compressed).toBe(1);
    } finally {
      process.umask(umask);
    }
    const gz = statSync(`${log}.gz`);
    expect([gz.uid, gz.gid, gz.mode & 0o7777]).toEqual([nobody.uid, 4, 0o640]);
  });

  test("a log written to while it is compressed is kept, and no .gz is left", async () => {
    const root = dir(join(tempDir("gzrace"), "logs"));
    const path = join(root, "busy.log");
    file(path, 3, 2_000_000);
    const { summary, events } = await run(
      options(root, {
        compressAfter: 1,
        beforeAct: () => {
          setTimeout(() => appendFileSync(path, "late line\n"), 0);
        },
      }),
    );
    // Either the append landed before the compression's first check or during it: kept either way.
    expect(exists(path)).toBe(true);
    expect(readFileSync(path, "utf8").endsWith("late line\n")).toBe(true);
    expect(exists(`${path}.gz`)).toBe(false);
    expect(exists(`${path}.gz.tmp`)).toBe(false);
    expect(summary.compressed).toBe(0);
    expect(events.map((e) => e.event)).toEqual(["skip"]);
  });

  test("an existing .gz is never overwritten", async () => {
    const root = dir(join(tempDir("gzexists"), "logs"));
    file(join(root, "a.log"), 3);
    file(join(root, "a.log.gz"), 0, 7);
    const { summary, events } = await run(options(root, { compressAfter: 1 }));
    expect(summary.errors).toBe(1);
    expect(events[0]?.event === "error" && events[0].message).toContain("already exists");
    expect(events[0]?.event === "error" && events[0].code).toBe("EEXIST"); // not EUNKNOWN
    expect(statSync(join(root, "a.log.gz")).size).toBe(7);
    expect(exists(join(root, "a.log"))).toBe(true);
  });

  test("a NAME.gz.tmp left by a killed run does not block compression; stale ones are removed", async () => {
    const root = dir(join(tempDir("gzleftover"), "logs"));
    file(join(root, "a.log"), 3, 5000);
    file(join(root, "a.log.gz.tmp"), 3, 100); // what a run killed mid-compression left
    const first = await run(options(root, { compressAfter: 1 }));
    expect(first.events.filter((e) => e.event === "error")).toEqual([]);
    expect(first.summary.compressed).toBe(1);
    expect(exists(join(root, "a.log.gz"))).toBe(true);
    expect(exists(join(root, "a.log"))).toBe(false);
    expect(readdirSync(root).sort()).toEqual(["a.log.gz", "a.log.gz.tmp"]); // its own temp is gone
    // Changed minutes ago, it may be another run's: left alone, even with an old mtime.
    expect(exists(join(root, "a.log.gz.tmp"))).toBe(true);
    const live = join(root, "b.log.gz.tmp.0123456789ab");
    file(live, 30, 100); // a concurrent run's temp, after it set the log's old mtime
    file(join(root, "notes.txt.gz.tmp"), 30); // not the temp of a log: never ours to remove
    const concurrent = await run(options(root, { compressAfter: 1, match: ["*.log", "*.log.*"] }));
    expect(concurrent.summary.errors).toBe(0);
    expect(exists(live)).toBe(true);
    expect(exists(`${live}.gz`)).toBe(false);
    // Unchanged for hours (ctime; the mtime is the log's): left by a dead run, removed.
    const later = await run(options(root, { compressAfter: 1, now: Date.now() + 7 * 3_600_000 }));
    expect(later.summary.errors).toBe(0);
    expect(exists(join(root, "a.log.gz.tmp"))).toBe(false);
    expect(exists(live)).toBe(false);
    expect(exists(join(root, "notes.txt.gz.tmp"))).toBe(true);
    expect(exists(join(root, "a.log.gz"))).toBe(true);
    expect(readdirSync(root).filter((name) => name.includes(".tmp"))).toEqual(["notes.txt.gz.tmp"]);
  });

  test("a .gz created right before the compression is committed is not overwritten", async () => {
    const root = dir(join(tempDir("gzappears"), "logs"));
    const log = join(root, "a.log");
    const target = `${log}.gz`;
    file(log, 3, 5000);
    // Another process writes the .gz at the last instant, after every check logclean can make.
    const theirs = (to: unknown) => {
      if (String(to) === target && !exists(target)) writeFileSync(target, "theirs");
    };
    const { linkSync, renameSync: rename } = fs;
    const spies = [
      spyOn(fs, "renameSync").mockImplementation((from, to) => {
        theirs(to);
        rename(from, to);
      }),
      spyOn(fs, "linkSync").mockImplementation((from, to) => {
        theirs(to);
        linkSync(from, to);
      }),
      ...nativeCommits(() => theirs(target)),
    ];
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run(options(root, { compressAfter: 1 }));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(readFileSync(target, "utf8")).toBe("theirs");
    expect(exists(log)).toBe(true);
    expect(result.summary.errors).toBe(1);
    expect(result.events[0]?.event === "error" && result.events[0].message).toContain(
      "appeared meanwhile",
    );
    expect(result.events[0]?.event === "error" && result.events[0].code).toBe("EEXIST");
    expect(readdirSync(root).sort()).toEqual(["a.log", "a.log.gz"]);
  });

  test("where the filesystem has no hard links (EPERM), compression still works", async () => {
    const root = dir(join(tempDir("gznolink"), "logs"));
    const log = join(root, "a.log");
    file(log, 3, 5000);
    const spy = spyOn(fs, "linkSync").mockImplementation(() => {
      throw Object.assign(new Error("EPERM: operation not permitted, link"), { code: "EPERM" });
    });
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run(options(root, { compressAfter: 1 }));
    } finally {
      spy.mockRestore();
    }
    expect(result.summary).toMatchObject({ compressed: 1, errors: 0 });
    expect(gunzipSync(readFileSync(`${log}.gz`)).length).toBe(5000);
    expect(readdirSync(root)).toEqual(["a.log.gz"]);
  });

  test("where linkat has no hard links (EPERM), the descriptor way renames (Linux)", async () => {
    const c = libc();
    if (!c) throw new Error("no native layer on this system");
    const root = dir(join(tempDir("gznolinkat"), "logs"));
    const log = join(root, "a.log");
    file(log, 3, 5000);
    const { errno } = c;
    // linkat fails and its errno says EPERM, once; every other call is real.
    let refused = false;
    const spies = [
      spyOn(c, "linkat").mockImplementation(() => {
        refused = true;
        return -1;
      }),
      spyOn(c, "errno").mockImplementation(() => {
        if (!refused) return errno();
        refused = false;
        return 1;
      }),
      spyOn(c, "renameat"),
    ];
    let result: Awaited<ReturnType<typeof run>>;
    let calls: number[];
    try {
      result = await run(options(root, { compressAfter: 1 }));
      calls = [spies[0], spies[2]].map((spy) => spy?.mock.calls.length ?? 0);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(calls).toEqual([1, 1]); // linkat refused, then renameat
    expect(result.summary).toMatchObject({ compressed: 1, errors: 0 });
    expect(gunzipSync(readFileSync(`${log}.gz`)).length).toBe(5000);
    expect(readdirSync(root)).toEqual(["a.log.gz"]);
  });

  test("--dry-run reports the error the real run meets where the .gz already exists", async () => {
    const root = dir(join(tempDir("gzdry"), "logs"));
    file(join(root, "a.log"), 3);
    file(join(root, "a.log.gz"), 0, 7); // in the way: the real run fails on a.log
    file(join(root, "b.log"), 3);
    file(join(root, "b.log.gz"), 30, 7); // expired: deleted first, then b.log is compressed
    const outline = (events: CleanEvent[]) =>
      events
        .map(
          (e) =>
            `${e.event} ${toText(e.path)}${e.event === "error" ? `: ${e.code} ${e.message}` : ""}`,
        )
        .sort();
    const dry = await run(options(root, { compressAfter: 1, dryRun: true }));
    const real = await run(options(root, { compressAfter: 1 }));
    expect(real.summary).toMatchObject({ errors: 1, compressed: 1, deleted: 1 });
    expect(outline(dry.events)).toEqual(outline(real.events));
    expect(outline(real.events)).toContain(
      `error ${join(root, "a.log")}: EEXIST cannot compress: the .gz file already exists`,
    );
    expect(dry.summary).toMatchObject({ errors: 1, compressed: 1, deleted: 1 });
  });

  test("a log whose temp name would pass NAME_MAX is refused alike by --dry-run and the real run", async () => {
    const root = dir(join(tempDir("gzname"), "logs"));
    // 240 bytes: NAME.gz fits in 255, NAME.gz.tmp.<12 hex> (260) does not.
    const long = join(root, `${"a".repeat(236)}.log`);
    file(long, 3);
    const outline = (events: CleanEvent[]) =>
      events.map((e) => `${e.event}${e.event === "error" ? `: ${e.code} ${e.message}` : ""}`);
    const dry = await run(options(root, { compressAfter: 1, dryRun: true }));
    const real = await run(options(root, { compressAfter: 1 }));
    expect(outline(dry.events)).toEqual(outline(real.events));
    expect(outline(real.events)).toEqual([
      "error: ENAMETOOLONG name longer than NAME_MAX (255 bytes) with the temp's suffix .gz.tmp.<12 hex>; left in place",
    ]);
    expect(exists(long)).toBe(true);
    expect(readdirSync(root)).toHaveLength(1);
  });

  test("with --min-size, the small .gz of a big log still expires after --days", async () => {
    const root = dir(join(tempDir("gzmin"), "logs"));
    file(join(root, "big.log.gz"), 30, 40); // what compressing a 4000-byte log left
    file(join(root, "small.log"), 30, 40); // a log under --min-size: left alone
    const { summary } = await run(options(root, { compressAfter: 1, minSize: 1024 }));
    expect(summary.deleted).toBe(1);
    expect(exists(join(root, "big.log.gz"))).toBe(false);
    expect(exists(join(root, "small.log"))).toBe(true);
  });

  test("keep-newest keeps the N newest per directory, whatever their age", async () => {
    const root = dir(join(tempDir("keep"), "logs"));
    for (const sub of ["x", "y"]) {
      dir(join(root, sub));
      for (let i = 0; i < 5; i++) file(join(root, sub, `${i}.log`), 10 + i);
    }
    const { summary } = await run(options(root, { keepNewest: 2 }));
    expect(summary.deleted).toBe(6);
    for (const sub of ["x", "y"]) {
      expect(exists(join(root, sub, "0.log"))).toBe(true);
      expect(exists(join(root, sub, "1.log"))).toBe(true);
      expect(exists(join(root, sub, "2.log"))).toBe(false);
    }
  });
});
