/**
 * ffind's walk on compiled threads (lib/fs/native/walker.c) against its JavaScript walk
 * (OPSCTL_FS_COMPILED=0), through the compiled binary: the same paths, bytes for bytes, the same
 * counts, errors and exit codes, on a tree with odd names, hidden entries, symlinks, an
 * unreadable directory and several roots. Unsorted output is compared as a set (threads finish
 * directories in any order).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, renameSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { compiledTool } from "../helpers/compiled.ts";
import { runForBytes } from "./run-bytes.ts";
import { asNobody, dir, file, publicCopy, tempDir } from "./tree.ts";

let bin: string;
let base: string;
let root: string;

async function ffind(
  args: (string | Buffer)[],
  env: Record<string, string> = {},
  asUser = false,
  wrapper: string[] = [],
) {
  const command = [...wrapper, bin, ...args] as string[];
  return runForBytes(asUser ? asNobody(command) : command, { home: base, cwd: base, env });
}

/** NUL-separated paths (-0) as a sorted list of latin1 strings: exact bytes, order ignored. */
const pathSet = (stdout: Buffer) => stdout.toString("latin1").split("\0").filter(Boolean).sort();

/** stderr's JSON log lines without their time stamps, sorted (threads report in any order). */
const errorLines = (stderr: string) =>
  stderr
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const { time: _, ...rest } = JSON.parse(line);
      return JSON.stringify(rest);
    })
    .sort();

/** The walker the debug log says ran. */
const walkerOf = (stderr: string) =>
  stderr
    .split("\n")
    .filter((line) => line.includes('"walk finished"'))
    .map((line) => JSON.parse(line).walker);

beforeAll(async () => {
  bin = await compiledTool("ffind");
  base = tempDir("ffind-compiled");
  bin = publicCopy(bin, base);
  root = dir(join(base, "root"));
  for (let a = 0; a < 12; a++) {
    for (let b = 0; b < 6; b++) {
      const d = dir(join(root, `svc${a}`, `part${b}`));
      for (let f = 0; f < 40; f++) file(join(d, `f${f}.${f % 3 === 0 ? "log" : "txt"}`));
    }
  }
  const odd = dir(join(root, "odd dir"));
  file(join(odd, "with space.log"));
  file(join(odd, "new\nline.log"));
  file(Buffer.concat([Buffer.from(`${odd}/`), Buffer.from("caf\xe9.log", "latin1")]));
  const rawDir = Buffer.concat([Buffer.from(`${root}/`), Buffer.from("d\xff", "latin1")]);
  mkdirSync(rawDir);
  file(Buffer.concat([rawDir, Buffer.from("/inner.log")]));
  file(join(root, ".hidden.log"));
  dir(join(root, ".cache", "deep"));
  file(join(root, ".cache", "deep", "c.log"));
  file(join(root, "access.log.1"));
  file(join(root, "core"));
  const outside = dir(join(base, "outside"));
  file(join(outside, "elsewhere.log"));
  const links = dir(join(root, "links"));
  symlinkSync(outside, join(links, "out"));
  symlinkSync("..", join(links, "up"));
  symlinkSync("../access.log.1", join(links, "link.log"));
  const locked = dir(join(root, "locked"));
  file(join(locked, "secret.log"));
  dir(join(locked, "below"));
  chmodSync(locked, 0o700);
  chownSync(locked, 0, 0);
  symlinkSync(root, join(base, "root-link"));
}, 120_000);

describe("ffind: the compiled walk finds exactly what the JavaScript walk finds", () => {
  const queries: string[][] = [
    ["--name", "*.log"],
    ["--name", "*.log", "--hidden"],
    ["--name", "f1*", "--name", "*.txt", "--name", "core"],
    ["--type", "d", "--hidden"],
    ["--type", "l"],
    ["--type", "f", "--max-depth", "2"],
    ["--max-depth", "1", "--hidden"],
    ["--max-depth", "0"],
    [],
  ];
  for (const query of queries) {
    test(`ffind ROOT ${query.join(" ")} -0`, async () => {
      const compiled = await ffind([root, ...query, "-0", "--log-level", "debug"]);
      const portable = await ffind([root, ...query, "-0", "--log-level", "debug"], {
        OPSCTL_FS_COMPILED: "0",
      });
      expect(walkerOf(compiled.stderr)).toEqual(["compiled"]);
      expect(walkerOf(portable.stderr)).toEqual(["javascript"]);
      expect(compiled.exitCode).toBe(0);
      expect(portable.exitCode).toBe(0);
      expect(pathSet(compiled.stdout)).toEqual(pathSet(portable.stdout));
      if (query[0] !== "--max-depth" || query[1] !== "0")
        expect(compiled.stdout.length).toBeGreaterThan(0);
    });
  }

  test("--count and --json --count agree, on 1, 2 and 8 threads, and with openat per component", async () => {
    const expected = pathSet(
      (await ffind([root, "--name", "*.log", "-0"], { OPSCTL_FS_COMPILED: "0" })).stdout,
    ).length;
    expect(expected).toBeGreaterThan(200);
    for (const threads of ["1", "2", "8"]) {
      const count = await ffind([root, "--name", "*.log", "--count", "--threads", threads]);
      expect([threads, count.exitCode, count.stdout.toString()]).toEqual([
        threads,
        0,
        `${expected}\n`,
      ]);
    }
    const steps = await ffind([root, "--name", "*.log", "--count"], { OPSCTL_FS_OPENAT2: "0" });
    expect(steps.stdout.toString()).toBe(`${expected}\n`);
    const json = await ffind([root, "--name", "*.log", "--count", "--json"]);
    expect(JSON.parse(json.stdout.toString())).toEqual({ count: expected });
  });

  test("several roots: a directory, a file, a missing path, a symlink to the tree, `.` relative", async () => {
    const roots = [
      join(root, "svc1"),
      join(root, "core"),
      join(base, "missing"),
      join(base, "root-link"),
      "./root/odd dir",
      `${join(root, "svc2")}/`,
    ];
    const args = [...roots, "--name", "*.log", "--name", "core", "-0"];
    const compiled = await ffind(args);
    const portable = await ffind(args, { OPSCTL_FS_COMPILED: "0" });
    expect(compiled.exitCode).toBe(1);
    expect(portable.exitCode).toBe(1);
    expect(pathSet(compiled.stdout)).toEqual(pathSet(portable.stdout));
    const found = pathSet(compiled.stdout);
    expect(found).toContain(join(root, "core"));
    expect(found).toContain("./root/odd dir/with space.log");
    expect(found).toContain(`${join(root, "svc2")}/part0/f0.log`);
    expect(found).toContain(join(base, "root-link", "svc0", "part0", "f0.log"));
    expect(errorLines(compiled.stderr)).toEqual(errorLines(portable.stderr));
    expect(compiled.stderr).toContain(`${join(base, "missing")}: no such file or directory`);
  });

  test("an unreadable directory is reported by name, the rest is found, exit 1", async () => {
    const args = [root, "--name", "*.log", "-0"];
    const compiled = await ffind(args, {}, true);
    const portable = await ffind(args, { OPSCTL_FS_COMPILED: "0" }, true);
    expect([compiled.exitCode, portable.exitCode]).toEqual([1, 1]);
    expect(compiled.stderr).toContain(`${join(root, "locked")}: permission denied`);
    expect(errorLines(compiled.stderr)).toEqual(errorLines(portable.stderr));
    const found = pathSet(compiled.stdout);
    expect(found).toEqual(pathSet(portable.stdout));
    expect(found.some((path) => path.includes("secret"))).toBe(false);
    expect(found).toContain(join(root, "svc0", "part0", "f0.log"));
  });

  test("an unwritable $TMPDIR (Bun's cc writes its headers there) does not stop the compiled walk", async () => {
    const readOnly = dir(join(base, "read-only-tmp"));
    chmodSync(readOnly, 0o555);
    const args = [root, "--name", "*.log", "--count", "--log-level", "debug"];
    const compiled = await ffind(args, { TMPDIR: readOnly }, true);
    const portable = await ffind(args, { OPSCTL_FS_COMPILED: "0" }, true);
    expect(walkerOf(compiled.stderr)).toEqual(["compiled"]);
    expect(compiled.stdout.toString()).toBe(portable.stdout.toString());
    expect(Number(compiled.stdout.toString())).toBeGreaterThan(200);
  });

  test("symlinks are reported, never followed: nothing from outside the root", async () => {
    const result = await ffind([root, "-0", "--hidden"]);
    const found = pathSet(result.stdout);
    expect(found).toContain(join(root, "links", "out"));
    expect(found.some((path) => path.includes("elsewhere"))).toBe(false);
    expect(found.some((path) => path.startsWith(`${join(root, "links", "up")}/`))).toBe(false);
  });

  test("`| head -1` stops the walk quietly: exit 0, nothing on stderr", async () => {
    const proc = Bun.spawn(
      [
        "bash",
        "-c",
        `"$0" "$1" --threads 2 | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`,
        bin,
        root,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [stdout, stderr] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    expect([stdout, stderr]).toEqual(["0\n", ""]);
  });

  test("queries the compiled walk cannot answer exactly take the JavaScript walk", async () => {
    for (const query of [
      ["--regex", "^f1"],
      ["--name", "f[12].log"],
      ["--name", "*.log", "--larger-than", "0"],
      ["--name", "*.log", "--json"],
      ["--name", "*.log", "--sort"],
      ["--name", "*.log", "--follow"],
    ]) {
      const result = await ffind([root, ...query, "--log-level", "debug"]);
      expect([query, walkerOf(result.stderr)]).toEqual([query, ["javascript"]]);
    }
  });
});

/** strace running ffind with one system call delayed or failed (strace's fault injection). */
const strace = (inject: string) => ["strace", "-f", "-qq", "-o", "/dev/null", "-e", inject];

describe("ffind's compiled walk when things go wrong", () => {
  test("a directory swapped for a symlink before it is opened is not followed: a warning, exit 0", async () => {
    const tree = dir(join(base, "swap", "tree"));
    file(join(dir(join(tree, "sub")), "in.log"));
    const elsewhere = dir(join(base, "swap", "elsewhere"));
    file(join(elsewhere, "out.log"));
    // The walk's first openat2 (the only subdirectory) waits 1.5 s; the swap happens meanwhile.
    const running = ffind([tree, "--threads", "1"], {}, false, [
      ...strace("trace=openat2"),
      "-e",
      "inject=openat2:delay_enter=1500000:when=1",
    ]);
    await Bun.sleep(700);
    renameSync(join(tree, "sub"), join(tree, "sub.old"));
    symlinkSync(elsewhere, join(tree, "sub"));
    const result = await running;
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString()).not.toContain("out.log");
    const warning = JSON.parse(result.stderr.trim());
    expect([warning.level, warning.msg, warning.path]).toEqual([
      "warn",
      "a symlink is on its path (swapped in since its parent was read); not followed",
      join(tree, "sub"),
    ]);
  });

  test("a directory that fails to read (EIO) is named with the call that failed, exit 1", async () => {
    const tree = dir(join(base, "eio"));
    for (let i = 0; i < 3; i++) file(join(dir(join(tree, `d${i}`)), "x.log"));
    // getdents64 calls: the root's two, then the first subdirectory's first.
    const result = await ffind([tree, "--threads", "1", "--name", "*.log"], {}, false, [
      ...strace("trace=getdents64"),
      "-e",
      "inject=getdents64:error=EIO:when=3",
    ]);
    expect(result.exitCode).toBe(1);
    const error = JSON.parse(result.stderr.trim());
    expect(error.code).toBe("EIO");
    expect(error.msg).toMatch(/^\S+\/d\d: EIO: getdents64 '\S+\/d\d'$/);
    expect(result.stdout.toString().trim().split("\n")).toHaveLength(2);
  });

  test("out of memory in a walker thread fails the run loudly: exit 1, never a silently short list", async () => {
    const shim = join(base, "fail-malloc.so");
    const gcc = Bun.spawnSync([
      "gcc",
      "-shared",
      "-fPIC",
      "-o",
      shim,
      resolve(import.meta.dir, "../fixtures/fail-malloc.c"),
    ]);
    expect(gcc.exitCode).toBe(0);
    const all = await ffind([root, "--hidden"]);
    expect(all.stdout.length).toBeGreaterThan(3 * 65536);
    // 65,568 bytes: one output chunk (64 KiB and its header); the third one fails.
    const result = await ffind([root, "--hidden"], {
      LD_PRELOAD: shim,
      FAIL_SIZE: "65568",
      FAIL_AFTER: "2",
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("the walker threads ran out of memory");
    expect(result.stdout.length).toBeLessThan(all.stdout.length);
  });
});
