/**
 * logclean on compiled threads (lib/fs/native/clean.c) against its JavaScript way
 * (OPSCTL_FS_COMPILED=0), through the compiled binary: on two copies of one tree (odd names,
 * hidden and raw-byte directories, symlinks out, a hard link, a FIFO, a directory named like a
 * log, an unreadable and a read-only directory), the same events, the same summary, the same exit
 * code and the same tree left behind. Then races made real with strace: a log appended to, a
 * directory swapped for a symlink, a log renamed away, an unlink failing with EIO.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import {
  appendFileSync,
  chmodSync,
  chownSync,
  linkSync,
  mkdirSync,
  renameSync,
  symlinkSync,
  utimesSync,
} from "node:fs";
import { join } from "node:path";
import { compiledTool } from "../helpers/compiled.ts";
import { runForBytes } from "./run-bytes.ts";
import { asNobody, dir, exists, file, publicCopy, snapshot, tempDir } from "./tree.ts";

let bin: string;
let base: string;
const now = Date.now();

async function logclean(
  args: (string | Buffer)[],
  env: Record<string, string> = {},
  { asUser = false, wrapper = [] as string[] } = {},
) {
  const command = [...wrapper, bin, ...args] as string[];
  return runForBytes(asUser ? asNobody(command) : command, { home: base, cwd: base, env });
}

/** The walk the debug log says ran. */
const walkerOf = (stderr: string) =>
  stderr
    .split("\n")
    .filter((line) => line.includes('"walk finished"'))
    .map((line) => JSON.parse(line).walker);

/** A tree to clean, the same (names, sizes, mtimes) wherever it is built. */
function makeTree(at: string, owner?: "nobody"): { root: string; outside: string } {
  const root = dir(join(at, "logs"));
  const outside = dir(join(at, "outside"));
  file(join(outside, "old.log"), 30, 16, now);
  for (let a = 0; a < 6; a++) {
    for (let b = 0; b < 4; b++) {
      const d = dir(join(root, `svc${a}`, `part${b}`));
      for (let f = 0; f < 24; f++)
        file(join(d, `f${f}.${f % 2 === 0 ? "log" : "txt"}`), f % 12, 10 + f * 10, now);
      file(join(d, `app.log.${b}`), 9, 50, now);
      file(join(d, `keep-${b}.log`), 20, 50, now);
    }
  }
  const odd = dir(join(root, "odd dir"));
  file(join(odd, "with space.log"), 30, 16, now);
  file(join(odd, "new\nline.log"), 30, 16, now);
  file(Buffer.concat([Buffer.from(`${odd}/`), Buffer.from("caf\xe9.log", "latin1")]), 30, 16, now);
  const rawDir = Buffer.concat([Buffer.from(`${root}/`), Buffer.from("d\xff", "latin1")]);
  mkdirSync(rawDir);
  file(Buffer.concat([rawDir, Buffer.from("/inner.log")]), 30, 16, now);
  file(join(dir(join(root, ".hidden")), ".dot.log"), 30, 16, now);
  const traps = dir(join(root, "traps"));
  symlinkSync(outside, join(traps, "dir-link"));
  symlinkSync(join(outside, "old.log"), join(traps, "file-link.log"));
  symlinkSync("..", join(traps, "loop"));
  Bun.spawnSync(["mkfifo", join(traps, "pipe.log")]);
  utimesSync(
    join(traps, "pipe.log"),
    new Date(now - 30 * 86_400_000),
    new Date(now - 30 * 86_400_000),
  );
  dir(join(traps, "dir.log"));
  file(join(traps, "linked.log"), 30, 40, now);
  linkSync(join(traps, "linked.log"), join(outside, "hard-link.txt"));
  if (owner) Bun.spawnSync(["chown", "-R", owner, root]);
  // Unreadable to nobody, and readable but not writable: its logs cannot be unlinked.
  const locked = dir(join(root, "locked"));
  file(join(locked, "secret.log"), 30, 16, now);
  chmodSync(locked, 0o700);
  chownSync(locked, 0, 0);
  const readOnly = dir(join(root, "read-only"));
  file(join(readOnly, "stuck.log"), 30, 16, now);
  chmodSync(readOnly, 0o755);
  chownSync(readOnly, 0, 0);
  return { root, outside };
}

/** stdout's NDJSON with the tree's place taken out, sorted (threads finish in any order). */
function records(stdout: Buffer, root: string): string[] {
  return stdout
    .toString("latin1")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const { duration_seconds: _, ...record } = JSON.parse(line);
      // A raw path's exact bytes, as latin1 text so the tree's place can be taken out too.
      if (record.path_base64)
        record.path_base64 = Buffer.from(record.path_base64, "base64").toString("latin1");
      return JSON.stringify(record).replaceAll(root, "ROOT");
    })
    .sort();
}

/** stderr's log lines without times, debug lines and the tree's place, sorted. */
function logLines(stderr: string, root: string): string[] {
  return stderr
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((line) => line.level !== "debug")
    .map(({ time: _, ...rest }) => JSON.stringify(rest).replaceAll(root, "ROOT"))
    .sort();
}

/** What is left of a tree: paths below it, kinds, and for all but directories size and mtime. */
function leftOf(root: string): string[] {
  const text = (hex: string) => Buffer.from(hex, "hex").toString("latin1");
  const base = root.slice(0, root.lastIndexOf("/"));
  return [...snapshot(root).entries()]
    .map(([path, item]) => {
      const what =
        item.kind === "dir"
          ? "dir"
          : item.link
            ? `link to ${text(item.link)}`
            : `${item.kind} ${item.size} ${item.mtimeNs}`;
      return `${text(path)} ${what}`.replaceAll(base, "BASE");
    })
    .sort();
}

beforeAll(async () => {
  base = tempDir("logclean-compiled");
  bin = publicCopy(await compiledTool("logclean"), base);
}, 120_000);

describe("logclean: the compiled threads do exactly what the JavaScript way does", () => {
  const runs: { args: string[]; asUser?: boolean }[] = [
    { args: [] },
    { args: ["--dry-run"] },
    { args: ["--keep-newest", "5"] },
    { args: ["--keep-newest", "2", "--threads", "1"] },
    { args: ["--min-size", "100", "--days", "3"] },
    { args: ["--match", "*.log", "--match", "app.log.*", "--exclude", "keep*"] },
    { args: ["--days", "0"] },
    { args: [], asUser: true },
  ];
  runs.forEach(({ args, asUser = false }, i) => {
    test(`logclean ROOT --json ${args.join(" ")}${asUser ? " (as nobody)" : ""}`, async () => {
      const owner = asUser ? "nobody" : undefined;
      const compiled = makeTree(dir(join(base, `same-${i}-compiled`)), owner);
      const portable = makeTree(dir(join(base, `same-${i}-javascript`)), owner);
      const before = leftOf(compiled.root);
      const flags = ["--json", "--log-level", "debug", ...args];
      const threads = await logclean([compiled.root, ...flags], {}, { asUser });
      const javascript = await logclean(
        [portable.root, ...flags],
        { OPSCTL_FS_COMPILED: "0" },
        { asUser },
      );
      expect(walkerOf(threads.stderr)).toEqual(["compiled"]);
      expect(walkerOf(javascript.stderr)).toEqual(["javascript"]);
      expect(threads.exitCode).toBe(javascript.exitCode);
      expect(threads.exitCode).toBe(asUser ? 1 : 0);
      const events = records(threads.stdout, compiled.root);
      expect(events).toEqual(records(javascript.stdout, portable.root));
      expect(events.filter((event) => event.includes('"event":"delete"')).length).toBeGreaterThan(
        args.includes("--exclude") ? 20 : 4,
      );
      expect(logLines(threads.stderr, compiled.root)).toEqual(
        logLines(javascript.stderr, portable.root),
      );
      const left = leftOf(compiled.root);
      expect(left).toEqual(leftOf(portable.root));
      if (args.includes("--dry-run")) expect(left).toEqual(before);
      else expect(left.length).toBeLessThan(before.length);
      // Nothing outside the root is touched (a hard link there keeps its data).
      expect(exists(join(compiled.outside, "old.log"))).toBe(true);
      expect(exists(join(compiled.outside, "hard-link.txt"))).toBe(true);
    });
  });

  test("a root that cannot be read: the same error record (op readdir) as the JavaScript way", async () => {
    const events: string[][] = [];
    for (const env of [{}, { OPSCTL_FS_COMPILED: "0" }] as Record<string, string>[]) {
      const root = dir(join(base, `unreadable-root-${events.length}`, "root"));
      file(join(root, "old.log"), 30);
      chmodSync(root, 0o711); // searchable, not readable, by nobody
      const result = await logclean([root, "--json"], env, { asUser: true });
      expect(result.exitCode).toBe(1);
      expect(exists(join(root, "old.log"))).toBe(true);
      events.push(records(result.stdout, root));
    }
    expect(events[0]?.[0]).toBe(
      JSON.stringify({
        event: "error",
        path: "ROOT",
        op: "readdir",
        code: "EACCES",
        message: "permission denied",
      }),
    );
    expect(events[0]).toEqual(events[1] as string[]);
  });

  test("compression, --max-delete and globs past a prefix or suffix take the JavaScript way", async () => {
    const { root } = makeTree(dir(join(base, "fallbacks")));
    for (const args of [
      ["--compress-after", "3", "--dry-run"],
      ["--max-delete", "100000", "--dry-run"],
      ["--match", "f1?.log", "--dry-run"],
    ]) {
      const result = await logclean([root, ...args, "--log-level", "debug"]);
      expect([args, result.exitCode, walkerOf(result.stderr)]).toEqual([args, 0, ["javascript"]]);
    }
  });
});

/** strace running logclean with one system call delayed or failed (strace's fault injection). */
const strace = (...injects: string[]) => [
  "strace",
  "-f",
  "-qq",
  "-o",
  "/dev/null",
  ...injects.flatMap((inject) => ["-e", inject]),
];

/**
 * A root with one directory `sub` holding an old log and, with `kept`, an old log newer than it
 * (kept by --keep-newest 1); and a place outside it.
 */
function oneLog(name: string, kept = false) {
  const at = dir(join(base, name));
  const root = dir(join(at, "root"));
  const log = join(dir(join(root, "sub")), "app.log");
  file(log, 30);
  if (kept) file(join(root, "sub", "newer.log"), 20);
  const outside = dir(join(at, "outside"));
  file(join(outside, "app.log"), 30);
  return { root, log, outside };
}

/**
 * logclean run under strace with one system call held 1.5 s (its `when`-th call, held on entry or
 * on exit); `meanwhile` changes the tree 0.7 s in, while the call waits.
 */
async function whileHeld(
  args: string[],
  held: { call: string; when: number; on?: "enter" | "exit" },
  meanwhile: () => void,
  env: Record<string, string> = {},
) {
  const inject = `inject=${held.call}:delay_${held.on ?? "enter"}=1500000:when=${held.when}`;
  const running = logclean(args, env, { wrapper: strace(`trace=${held.call}`, inject) });
  await Bun.sleep(700);
  meanwhile();
  return running;
}

/** `sub` of the root moved aside and a symlink to `outside` put in its place. */
function swapForSymlink(root: string, outside: string): void {
  renameSync(join(root, "sub"), join(root, "sub.old"));
  symlinkSync(outside, join(root, "sub"));
}

describe("logclean's compiled threads when the tree changes under them", () => {
  // With --keep-newest a directory's logs are planned once it is read: openat2 calls, the first
  // opens sub, the second opens it again right before its deletions (the directory must still
  // be the one read); each log's re-check and unlink follow.
  test("--keep-newest: a log written to after it was examined is left in place: a skip, exit 0", async () => {
    const { root, log } = oneLog("appended", true);
    const result = await whileHeld(
      [root, "--json", "--keep-newest", "1"],
      { call: "openat2", when: 2 },
      () => appendFileSync(log, "one more line\n"),
    );
    expect(result.exitCode).toBe(0);
    expect(exists(log)).toBe(true);
    expect(records(result.stdout, root)).toContain(
      JSON.stringify({
        event: "skip",
        path: "ROOT/sub/app.log",
        reason: "changed since it was examined; left in place",
      }),
    );
  });

  test("--keep-newest: a directory swapped for a symlink after it was read: nothing deleted through it", async () => {
    const { root, log, outside } = oneLog("swapped", true);
    const result = await whileHeld(
      [root, "--json", "--keep-newest", "1"],
      { call: "openat2", when: 2 },
      () => swapForSymlink(root, outside),
    );
    expect(result.exitCode).toBe(0);
    expect(exists(join(outside, "app.log"))).toBe(true);
    expect(exists(join(root, "sub.old", "app.log"))).toBe(true);
    expect(exists(log)).toBe(true); // through the symlink: outside's
    expect(records(result.stdout, root)).toContain(
      JSON.stringify({
        event: "skip",
        path: "ROOT/sub/app.log",
        reason: "directory was replaced by a symlink or a file since it was read",
      }),
    );
  });

  test("a directory swapped for a symlink before it is opened is not followed; the swap is named", async () => {
    const { root, outside } = oneLog("swapped-early");
    // The first openat2 (sub, the only subdirectory) waits; the swap happens meanwhile.
    const result = await whileHeld([root, "--json"], { call: "openat2", when: 1 }, () =>
      swapForSymlink(root, outside),
    );
    expect(exists(join(outside, "app.log"))).toBe(true);
    expect(exists(join(root, "sub.old", "app.log"))).toBe(true);
    const error = JSON.parse(result.stderr.trim());
    expect([result.exitCode, error.level, error.msg]).toEqual([
      1,
      "error",
      `${join(root, "sub")}: a symlink is on its path (swapped in since its parent was read); not followed`,
    ]);
  });

  for (const [kind, walker] of [
    ["tmpfs", "compiled"],
    ["bind", "compiled"],
    ["tmpfs", "javascript"],
    ["bind", "javascript"],
  ] as const) {
    test(`a ${kind} mounted on a directory after its mount check, before its open, is not entered (${walker})`, async () => {
      const { root, log, outside } = oneLog(`mounted-late-${kind}-${walker}`);
      const env: Record<string, string> =
        walker === "javascript" ? { OPSCTL_FS_COMPILED: "0" } : {};
      const sub = join(root, "sub");
      const source = kind === "tmpfs" ? ["-t", "tmpfs", "tmpfs"] : ["--bind", outside];
      let mounted = -1;
      // The first openat2 (sub) waits; the mount happens meanwhile.
      const running = whileHeld(
        [root, "--json", "--log-level", "debug"],
        { call: "openat2", when: 1 },
        () => {
          mounted = Bun.spawnSync(["mount", ...source, sub]).exitCode;
          if (mounted === 0 && kind === "tmpfs") file(join(sub, "app.log"), 30);
        },
        env,
      );
      try {
        const result = await running;
        expect(mounted).toBe(0);
        expect(result.exitCode).toBe(0);
        expect(walkerOf(result.stderr)).toEqual([walker]);
        expect(exists(join(sub, "app.log"))).toBe(true);
        expect(records(result.stdout, root).join("\n")).not.toContain('"event":"delete"');
      } finally {
        Bun.spawnSync(["umount", "-l", sub]);
      }
      expect(exists(log)).toBe(true);
      expect(exists(join(outside, "app.log"))).toBe(true);
    });
  }

  test("a log renamed away between the listing and its stat is a skip, not an error", async () => {
    const { root, log } = oneLog("renamed");
    // getdents64 calls (strace counts them per thread): the root's two, then sub's first,
    // which returns late.
    const result = await whileHeld(
      [root, "--json", "--threads", "1"],
      { call: "getdents64", when: 3, on: "exit" },
      () => renameSync(log, `${log}.1`),
    );
    expect(result.exitCode).toBe(0);
    expect(exists(`${log}.1`)).toBe(true);
    const events = records(result.stdout, root);
    expect(events[0]).toBe(
      JSON.stringify({
        event: "skip",
        path: "ROOT/sub/app.log",
        reason: "vanished before it was examined",
      }),
    );
    expect(events[1]).toContain('"skipped":1,"errors":0');
  });

  test("an unlink failing (EIO) is an error naming the file, the others are deleted, exit 1", async () => {
    const at = dir(join(base, "eio"));
    const root = dir(join(at, "root"));
    for (const name of ["a.log", "b.log", "c.log"]) file(join(root, name), 30);
    const result = await logclean(
      [root, "--json"],
      {},
      {
        wrapper: strace("trace=unlinkat", "inject=unlinkat:error=EIO:when=1"),
      },
    );
    expect(result.exitCode).toBe(1);
    const events = records(result.stdout, root).map((line) => JSON.parse(line));
    const failed = events.filter((event) => event.event === "error");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ op: "delete", code: "EIO" });
    expect(failed[0].message).toMatch(/^EIO: unlink 'ROOT\/[abc]\.log'$/);
    expect(exists(failed[0].path.replace("ROOT", root))).toBe(true);
    expect(events.filter((event) => event.event === "delete")).toHaveLength(2);
  });
});

describe("logclean's compiled threads stop between files", () => {
  test("SIGTERM during a run: the file being unlinked is the last one, exit 143", async () => {
    const at = dir(join(base, "stop"));
    const root = dir(join(at, "root"));
    const names = ["a.log", "b.log", "c.log", "d.log", "e.log", "f.log"];
    for (const name of names) file(join(root, name), 30);
    // The second unlink waits 1.5 s; the signal comes meanwhile.
    const proc = Bun.spawn(
      [
        ...strace("trace=unlinkat", "inject=unlinkat:delay_enter=1500000:when=2"),
        bin,
        root,
        "--json",
        "--threads",
        "1",
      ],
      { stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
    );
    await Bun.sleep(700);
    const child = Bun.spawnSync(["pgrep", "-P", String(proc.pid)])
      .stdout.toString()
      .trim();
    expect(child).toMatch(/^\d+$/);
    process.kill(Number(child), "SIGTERM");
    const [exitCode, stdout] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
    expect(exitCode).toBe(143);
    const left = names.filter((name) => exists(join(root, name)));
    expect(left).toHaveLength(4);
    const deleted = stdout.split("\n").filter((line) => line.includes('"event":"delete"'));
    expect(deleted).toHaveLength(2);
  });
});
