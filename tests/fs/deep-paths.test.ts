/**
 * The compiled ffind and logclean on a tree deeper than PATH_MAX (4096 bytes): 40 nested
 * directories of 120-byte names. find walks it; so must they, without following a symlink.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { compiledTool } from "../helpers/compiled.ts";
import { runForBytes } from "./run-bytes.ts";
import { deepName, deepTree, dir, file, findItems, publicCopy, tempDir } from "./tree.ts";

const levels = 40;
const oldTouch = "touch -d '30 days ago'";
let home: string;
let ffindBin: string;
let logcleanBin: string;

async function run(binary: string, args: string[], env: Record<string, string> = {}) {
  const result = await runForBytes([binary, ...args], { home, env });
  return { ...result, stdout: result.stdout.toString("latin1") };
}

const nulItems = (text: string) =>
  text
    .split("\0")
    .filter(Boolean)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The path of a deep level (a string past PATH_MAX: node:fs cannot open it, find can). */
function levelPath(root: string, level: number): string {
  let path = root;
  for (let i = 1; i <= level; i++) path += `/${deepName(i)}`;
  return path;
}

/** A deep tree with old and new logs, old .dat files and symlinks to `outside` at every level. */
function deepWorld(name: string) {
  const base = tempDir(`deep-${name}`);
  const outside = dir(join(base, "outside"));
  file(join(outside, "outside-old.log"), 30);
  dir(join(outside, "sub"));
  file(join(outside, "sub", "outside-sub-old.log"), 30);
  const root = join(base, "root");
  deepTree(
    root,
    levels,
    (level) =>
      `${oldTouch} old${level}.log old${level}.dat; touch new${level}.log; ` +
      `ln -s '${outside}' link${level}; ln -s '${outside}/outside-old.log' linked${level}.log`,
  );
  return { base, root, outside };
}

beforeAll(async () => {
  home = tempDir("deep-home");
  ffindBin = publicCopy(await compiledTool("ffind"), home);
  logcleanBin = publicCopy(await compiledTool("logclean"), home);
}, 120_000);

describe("a tree deeper than PATH_MAX", () => {
  test("the tree is what the tests think: its deepest paths are past PATH_MAX", () => {
    const { root } = deepWorld("shape");
    expect(Buffer.byteLength(levelPath(root, levels))).toBeGreaterThan(4096 + 500);
    expect(findItems(root, "-name", "old*.log")).toHaveLength(levels);
  });

  test("ffind finds and counts exactly what find finds, on one thread and on several", async () => {
    const { root } = deepWorld("ffind");
    const everything = findItems(root, "-mindepth", "1");
    const logs = findItems(root, "-name", "*.log");
    const oldFiles = findItems(root, "-type", "f", "-mtime", "+7");
    expect(everything.length).toBe(levels * 6);
    for (const threads of [
      ["--threads", "1"],
      ["--threads", "2", "--share-after", "0"],
    ]) {
      const count = await run(ffindBin, [root, "--count", ...threads]);
      expect([threads, count.exitCode, count.stderr, count.stdout]).toEqual([
        threads,
        0,
        "",
        `${everything.length}\n`,
      ]);
      const all = await run(ffindBin, [root, "-0", ...threads]);
      expect(nulItems(all.stdout)).toEqual(everything);
      const named = await run(ffindBin, [root, "--name", "*.log", "-0", ...threads]);
      expect(nulItems(named.stdout)).toEqual(logs);
      // Filters that need a stat of each file.
      const old = await run(ffindBin, [
        root,
        "--type",
        "f",
        "--older-than",
        "7d",
        "-0",
        ...threads,
      ]);
      expect([old.exitCode, nulItems(old.stdout)]).toEqual([0, oldFiles]);
      const json = await run(ffindBin, [root, "--name", "old40.log", "--json", ...threads]);
      const record = JSON.parse(json.stdout);
      expect([record.path, record.type, record.size]).toEqual([
        `${levelPath(root, levels)}/old40.log`,
        "file",
        0,
      ]);
    }
  }, 60_000);

  test("a root past PATH_MAX is walked too", async () => {
    const { root } = deepWorld("deep-root");
    const deepRoot = levelPath(root, 36);
    const count = await run(ffindBin, [deepRoot, "--name", "*.log", "--count"]);
    // Levels 36 to 40, three *.log names each (old, new, and a symlink).
    expect([count.exitCode, count.stderr, count.stdout]).toEqual([0, "", `${5 * 3}\n`]);
  });

  test("the node:fs reader (OPSCTL_FS_NATIVE=0) fails per directory: the path named, exit 1", async () => {
    const { root } = deepWorld("portable");
    const result = await run(ffindBin, [root, "--name", "*.log", "--count", "--threads", "1"], {
      OPSCTL_FS_NATIVE: "0",
    });
    expect(result.exitCode).toBe(1);
    // The levels whose path fits are read (3 *.log names each); the next one fails.
    let readable = 0;
    while (Buffer.byteLength(levelPath(root, readable + 1)) < 4096) readable++;
    expect(readable).toBeGreaterThan(20);
    expect(result.stdout).toBe(`${readable * 3}\n`);
    const errors = result.stderr.split("\n").filter(Boolean);
    expect(errors).toHaveLength(1);
    const record = JSON.parse(errors[0] as string);
    expect(record.code).toBe("ENAMETOOLONG");
    expect(record.msg).toBe(`${levelPath(root, readable + 1)}: file name too long`);
  });

  test("logclean deletes the old logs at every depth and nothing else, never through a symlink", async () => {
    const { root, outside } = deepWorld("logclean");
    const before = findItems(root);
    const outsideBefore = findItems(outside, "-newer", "/");
    const oldLogs = findItems(root, "-name", "old*.log");
    const result = await run(logcleanBin, [root, "--days", "7", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const deleted = result.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((record) => record.event === "delete")
      .map((record) => record.path)
      .sort();
    expect(deleted).toEqual(oldLogs);
    expect(findItems(root)).toEqual(before.filter((path) => !oldLogs.includes(path)));
    expect(findItems(outside)).toEqual([
      outside,
      join(outside, "outside-old.log"),
      join(outside, "sub"),
      join(outside, "sub", "outside-sub-old.log"),
    ]);
    expect(findItems(outside, "-newer", "/")).toEqual(outsideBefore);
  }, 60_000);
  test("logclean's node:fs reader (OPSCTL_FS_NATIVE=0) fails per directory: the path named, exit 1", async () => {
    const { root } = deepWorld("logclean-portable");
    let readable = 0;
    while (Buffer.byteLength(levelPath(root, readable + 1)) < 4096) readable++;
    const result = await run(logcleanBin, [root, "--days", "7"], { OPSCTL_FS_NATIVE: "0" });
    expect(result.exitCode).toBe(1);
    const errors = result.stderr.split("\n").filter(Boolean);
    expect(errors).toHaveLength(1);
    const record = JSON.parse(errors[0] as string);
    expect([record.code, record.msg]).toEqual([
      "ENAMETOOLONG",
      `${levelPath(root, readable + 1)}: file name too long`,
    ]);
    // What it could read was cleaned; below, nothing was touched.
    expect(result.stdout).toContain(`deleted ${readable},`);
    expect(findItems(root, "-name", "old*.log")).toHaveLength(levels - readable);
  }, 60_000);
  test("logclean --compress-after: past PATH_MAX a log is left in place with a clear error", async () => {
    // Compression works by path: the levels whose NAME.gz temp would pass PATH_MAX fail.
    const { root } = deepWorld("compress");
    const args = [root, "--compress-after", "7", "--days", "60", "--json"];
    const dry = await run(logcleanBin, [...args, "--dry-run"]);
    const result = await run(logcleanBin, args);
    expect(result.exitCode).toBe(1);
    const recordsOf = (stdout: string) =>
      stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    const records = recordsOf(result.stdout);
    const compressed = records.filter((r) => r.event === "compress").map((r) => r.path);
    const failed = records.filter((r) => r.event === "error");
    const fits = (level: number) =>
      Buffer.byteLength(`${levelPath(root, level)}/old${level}.log.gz.tmp.123456789abc`) < 4096;
    const levelsOk = Array.from({ length: levels }, (_, i) => i + 1).filter(fits);
    expect(levelsOk.length).toBeGreaterThan(20);
    expect(levelsOk.length).toBeLessThan(levels);
    expect(compressed.sort()).toEqual(
      levelsOk.map((level) => `${levelPath(root, level)}/old${level}.log`).sort(),
    );
    expect(failed.map((r) => [r.path, r.op, r.code]).sort()).toEqual(
      Array.from({ length: levels }, (_, i) => i + 1)
        .filter((level) => !fits(level))
        .map((level) => [`${levelPath(root, level)}/old${level}.log`, "compress", "ENAMETOOLONG"])
        .sort(),
    );
    for (const record of failed) expect(record.message).toContain("PATH_MAX");
    // The dry run says so too.
    const dryRecords = recordsOf(dry.stdout);
    expect(dry.exitCode).toBe(1);
    expect(dryRecords.filter((r) => r.event === "error").map((r) => [r.path, r.code])).toEqual(
      failed.map((r) => [r.path, r.code]),
    );
    expect(dryRecords.filter((r) => r.event === "compress")).toHaveLength(levelsOk.length);
    // Nothing lost, nothing left behind: the logs that failed are all there, no temp anywhere.
    expect(findItems(root, "-name", "old*.log")).toEqual(failed.map((r) => r.path).sort());
    expect(findItems(root, "-name", "old*.log.gz")).toHaveLength(levelsOk.length);
    expect(findItems(root, "-name", "*.tmp*")).toEqual([]);
  }, 60_000);
});
