/** Which names logclean takes for logs (lib/fs/clean/plan.ts), as text and as bytes. */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { clean } from "../../lib/fs/clean/clean.ts";
import {
  type CleanPolicy,
  logMatcher,
  logMatcherBytes,
  planDirectory,
} from "../../lib/fs/clean/plan.ts";
import { cleanOptions } from "./clean-options.ts";
import { dir, exists, file, tempDir } from "./tree.ts";

function policy(extra: Partial<CleanPolicy>): CleanPolicy {
  return { days: 7, match: ["*.log"], exclude: [], now: Date.now(), ...extra };
}

function matchers(extra: Partial<CleanPolicy>) {
  const text = logMatcher(policy(extra));
  const bytes = logMatcherBytes(policy(extra));
  if (!bytes) throw new Error("these globs compile to bytes");
  return (name: string) => {
    const buf = Buffer.from(`dir/${name}`);
    return [text(name), bytes(buf, 4, buf.length)];
  };
}

describe("logMatcher", () => {
  test("with --compress-after, a match's .gz and temps are logs too", () => {
    const isLog = matchers({ compressAfter: 1 });
    expect(isLog("app.log")).toEqual([true, true]);
    expect(isLog("app.log.gz")).toEqual([true, true]);
    expect(isLog("app.log.gz.tmp.0123456789ab")).toEqual([true, true]);
    expect(isLog("app.txt.gz")).toEqual([false, false]);
  });

  test("an --exclude'd log's .gz and temps stay excluded with --compress-after", () => {
    const isLog = matchers({ compressAfter: 1, exclude: ["audit.log"] });
    expect(isLog("audit.log")).toEqual([false, false]);
    expect(isLog("audit.log.gz")).toEqual([false, false]);
    expect(isLog("audit.log.gz.tmp.0123456789ab")).toEqual([false, false]);
    expect(isLog("audit.log.gz.tmp")).toEqual([false, false]);
    expect(isLog("app.log.gz")).toEqual([true, true]);
  });
});

describe("clean engine and --exclude", () => {
  test("--compress-after does not delete the old .gz of an excluded log", async () => {
    const root = dir(join(tempDir("exclude-gz"), "logs"));
    for (const name of ["audit.log", "audit.log.gz", "app.log.gz"]) file(join(root, name), 30);
    const summary = await clean(
      cleanOptions(root, { exclude: ["audit.log"], compressAfter: 1 }),
      () => {},
    );
    expect(exists(join(root, "audit.log"))).toBe(true);
    expect(exists(join(root, "audit.log.gz"))).toBe(true);
    expect(exists(join(root, "app.log.gz"))).toBe(false);
    expect(summary.deleted).toBe(1);
  });
});

describe("planDirectory and archives", () => {
  test("--compress-after leaves archives compressed by other tools (xz, zstd, bzip2...) as they are", () => {
    const now = Date.now();
    const day = 86_400_000;
    const entry = (name: string) => ({
      path: `/logs/${name}`,
      name,
      kind: "file" as const,
      followed: false,
      depth: 1,
      stat: {
        dev: 1,
        ino: name.length,
        mode: 0o100644,
        size: 100,
        mtimeMs: now - 3 * day,
        atimeMs: now,
        ctimeMs: now,
        isFile: () => true,
        isDirectory: () => false,
        isSymbolicLink: () => false,
      },
    });
    const names = ["app.log.1", "app.log.2.xz", "app.log.3.zst", "app.log.4.bz2", "app.log.5.gz"];
    const plan = planDirectory(names.map(entry) as never, {
      ...policy({ match: ["*.log.*"], compressAfter: 1 }),
      now,
    });
    expect(plan.map((file) => [file.action, file.name])).toEqual([["compress", "app.log.1"]]);
  });
});
