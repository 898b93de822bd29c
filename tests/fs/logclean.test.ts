/** The compiled logclean on real trees: what it deletes, and everything it must never touch. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  appendFileSync,
  chmodSync,
  chownSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import { compiledTool } from "../helpers/compiled.ts";
import {
  asNobody,
  differences,
  dir,
  exists,
  file,
  nobody,
  publicCopy,
  snapshot,
  tempDir,
} from "./tree.ts";

let bin: string;
let home: string;
const mounts: string[] = [];
const latin1 = Buffer.from("caf\xe9.log", "latin1");

async function logclean(
  args: (string | Buffer)[],
  options: { asUser?: boolean; env?: Record<string, string>; binary?: string } = {},
) {
  const command = [options.binary ?? bin, ...args] as string[];
  const proc = Bun.spawn(options.asUser ? asNobody(command) : command, {
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, ...options.env },
  });
  const [exitCode, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { exitCode, stdout, stderr };
}

function mount(args: string[]): void {
  const result = Bun.spawnSync(["mount", ...args]);
  if (result.exitCode !== 0)
    throw new Error(`mount ${args.join(" ")}: ${result.stderr.toString()}`);
  mounts.push(args[args.length - 1] as string);
}

/** A base dir with the tree to clean and a sibling "outside" that must never change. */
function world(name: string) {
  const base = tempDir(`logclean-${name}`);
  const root = dir(join(base, "logs"));
  const outside = dir(join(base, "outside"));
  file(join(outside, "old.log"), 30);
  file(join(outside, "young.log"), 0);
  return { base, root, outside };
}

/** 2000 files in 20 dirs: a third *.log, ages 0..19 days; plus odd names and traps. */
function populate(root: string, outside: string) {
  for (let d = 0; d < 20; d++) {
    const sub = dir(join(root, `app${d}`, "current"));
    for (let f = 0; f < 100; f++)
      file(join(sub, `f${f}.${f % 3 === 0 ? "log" : "dat"}`), (f % 20) + 0.5);
  }
  const odd = dir(join(root, "odd"));
  file(join(odd, "with space.log"), 30);
  file(join(odd, "new\nline.log"), 30);
  file(Buffer.concat([Buffer.from(`${odd}/`), latin1]), 30);
  const traps = dir(join(root, "traps"));
  symlinkSync(outside, join(traps, "dir-link"));
  symlinkSync(join(outside, "old.log"), join(traps, "file-link.log"));
  symlinkSync("..", join(traps, "loop"));
}

beforeAll(async () => {
  home = tempDir("home");
  bin = publicCopy(await compiledTool("logclean"), home);
}, 120_000);

afterAll(() => {
  for (const point of mounts.reverse()) Bun.spawnSync(["umount", "-l", point]);
});

/** Old *.log regular files under root (ages are n + 0.5 days, --days 7 deletes 7.5 and up). */
function expectedDeletions(): number {
  let count = 0;
  for (let f = 0; f < 100; f++) if (f % 3 === 0 && f % 20 >= 7) count++;
  return count * 20 + 3;
}
const oldLogs = expectedDeletions();

describe("logclean (compiled)", () => {
  test("deletes old logs only, prints each action and a summary, never touches outside", async () => {
    const { base, root, outside } = world("basic");
    populate(root, outside);
    const outsideBefore = snapshot(outside);
    const result = await logclean([root, "--days", "7"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const deleted = result.stdout.split("\n").filter((l) => l.startsWith("deleted "));
    expect(deleted.length).toBe(expectedDeletions());
    expect(result.stdout).toContain(`deleted ${join(root, "odd")}/caf\\xE9.log`);
    expect(result.stdout).toMatch(
      new RegExp(`logclean: scanned \\d+ entries in \\d+ dirs, matched \\d+, deleted ${oldLogs},`),
    );
    expect(exists(Buffer.concat([Buffer.from(`${root}/odd/`), latin1]))).toBe(false);
    expect(exists(join(root, "odd", "new\nline.log"))).toBe(false);
    expect(exists(join(root, "app0", "current", "f0.log"))).toBe(true); // 0 days old
    expect(exists(join(root, "app0", "current", "f9.log"))).toBe(false); // 9 days old
    expect(exists(join(root, "app0", "current", "f10.dat"))).toBe(true); // not a log
    expect(exists(join(root, "traps", "file-link.log"))).toBe(true); // a symlink, not a log file
    expect(differences(outsideBefore, snapshot(outside))).toEqual([]);
    void base;
  });

  test("the same, through node:fs (OPSCTL_FS_NATIVE=0: how other systems walk and delete)", async () => {
    const { root, outside } = world("portable");
    populate(root, outside);
    const outsideBefore = snapshot(outside);
    const result = await logclean([root, "--days", "7"], { env: { OPSCTL_FS_NATIVE: "0" } });
    expect([result.exitCode, result.stderr]).toEqual([0, ""]);
    expect(result.stdout.split("\n").filter((l) => l.startsWith("deleted ")).length).toBe(oldLogs);
    expect(exists(Buffer.concat([Buffer.from(`${root}/odd/`), latin1]))).toBe(false);
    expect(exists(join(root, "app0", "current", "f0.log"))).toBe(true);
    expect(exists(join(root, "traps", "file-link.log"))).toBe(true);
    expect(differences(outsideBefore, snapshot(outside))).toEqual([]);
  });

  test("inside the multi-call opsctl: deletions run on its Worker too", async () => {
    const { root, outside } = world("multicall");
    populate(root, outside);
    const outsideBefore = snapshot(outside);
    const opsctl = publicCopy(await compiledTool("opsctl"), home);
    const result = await logclean(["logclean", root, "--days", "7", "--json"], { binary: opsctl });
    expect([result.exitCode, result.stderr]).toEqual([0, ""]);
    const records = result.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(records.filter((r) => r.event === "delete").length).toBe(oldLogs);
    expect(records.at(-1)).toMatchObject({ event: "summary", deleted: oldLogs, errors: 0 });
    expect(exists(join(root, "app0", "current", "f9.log"))).toBe(false);
    expect(differences(outsideBefore, snapshot(outside))).toEqual([]);
  }, 120_000);

  test("from source (bun scripts/logclean.ts): the self-spawned Worker gets its jobs too", async () => {
    // Loading the engine from source is slow: a job sent before the Worker listens must wait.
    const { root, outside } = world("source");
    populate(root, outside);
    const result = await logclean([join(import.meta.dir, "../../scripts/logclean.ts"), root], {
      binary: process.execPath,
    });
    expect([result.exitCode, result.stderr]).toEqual([0, ""]);
    expect(result.stdout).toContain(`deleted ${oldLogs},`);
    expect(exists(join(root, "app0", "current", "f9.log"))).toBe(false);
  }, 60_000);

  test("a log appended to between examination and deletion is kept (re-checked right before)", async () => {
    const { root } = world("appended");
    // 20,000 old logs, all examined before any is deleted (--max-delete plans the whole run first).
    for (let d = 0; d < 200; d++) {
      const sub = dir(join(root, `d${d}`));
      for (let f = 0; f < 100; f++) file(join(sub, `f${f}.log`), 30);
    }
    const proc = Bun.spawn([bin, root, "--max-delete", "1000000", "--json"], {
      stdout: "pipe",
      stderr: "pipe",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home },
    });
    // Freeze it as soon as the first deletions are reported, mid-way through acting.
    const reader = proc.stdout.getReader();
    let stdout = new TextDecoder().decode((await reader.read()).value);
    process.kill(proc.pid, "SIGSTOP");
    const appended: string[] = [];
    for (let d = 199; d >= 0 && appended.length < 5; d--) {
      const path = join(root, `d${d}`, "f50.log");
      if (exists(path)) {
        appendFileSync(path, "one more line\n");
        appended.push(path);
      }
    }
    process.kill(proc.pid, "SIGCONT");
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      stdout += new TextDecoder().decode(chunk.value);
    }
    const [exitCode, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect(appended.length).toBe(5);
    expect(exitCode).toBe(0);
    for (const path of appended) {
      expect(readFileSync(path, "utf8")).toEndWith("one more line\n");
      expect(stderr).toContain(`${path}: changed since it was examined; left in place`);
    }
    const summary = JSON.parse(stdout.trim().split("\n").at(-1) as string);
    expect(summary).toMatchObject({ event: "summary", deleted: 20000 - 5, skipped: 5, errors: 0 });
  }, 120_000);

  test("--dry-run changes nothing and lists exactly what the real run then does", async () => {
    const { base, root, outside } = world("dry");
    populate(root, outside);
    const before = snapshot(base);
    const dry = await logclean([root, "--days", "7", "--dry-run", "--json"]);
    expect(dry.exitCode).toBe(0);
    expect(differences(before, snapshot(base))).toEqual([]);
    const planned = dry.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const wouldDelete = planned.filter((r) => r.event === "delete");
    expect(wouldDelete.every((r) => r.dry_run === true)).toBe(true);
    expect(planned.at(-1)).toMatchObject({
      event: "summary",
      dry_run: true,
      deleted: oldLogs,
      errors: 0,
    });
    const real = await logclean([root, "--days", "7", "--json"]);
    const done = real.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((r) => r.event === "delete");
    const key = (r: { path: string; path_base64?: string }) => r.path_base64 ?? r.path;
    expect(done.map(key).sort()).toEqual(wouldDelete.map(key).sort());
    const raw = done.find((r) => r.path_base64);
    expect(Buffer.from(raw.path_base64, "base64").toString("latin1")).toBe(
      `${root}/odd/${latin1.toString("latin1")}`,
    );
  });

  test("--max-delete: over the limit nothing is touched and the exit code is 1", async () => {
    const { base, root, outside } = world("valve");
    populate(root, outside);
    const before = snapshot(base);
    const tripped = await logclean([root, "--max-delete", "100"]);
    expect(tripped.exitCode).toBe(1);
    expect(tripped.stderr).toContain(`${oldLogs} files would be deleted; nothing was changed`);
    expect(differences(before, snapshot(base))).toEqual([]);
    const allowed = await logclean([root, "--max-delete", String(oldLogs)]);
    expect(allowed.exitCode).toBe(0);
    expect(allowed.stdout).toContain(`deleted ${oldLogs}`);
  });

  test("refuses /, $HOME, a filesystem root and a symlinked root unless --force", async () => {
    const { base, root } = world("refuse");
    file(join(root, "x.log"), 30);
    const slash = await logclean(["/", "--dry-run"]);
    expect(slash.exitCode).toBe(2);
    expect(slash.stderr).toContain("refusing to clean the root directory /");
    const homeRun = await logclean([home, "--dry-run"]);
    expect(homeRun.exitCode).toBe(2);
    expect(homeRun.stderr).toContain("home directory");
    const usersHome = await logclean(["/home", "--dry-run"]);
    expect(usersHome.exitCode).toBe(2);
    const fsRoot = dir(join(base, "fsroot"));
    mount(["-t", "tmpfs", "-o", "size=4m", "tmpfs", fsRoot]);
    file(join(fsRoot, "y.log"), 30);
    const mounted = await logclean([fsRoot]);
    expect(mounted.exitCode).toBe(2);
    expect(mounted.stderr).toContain("filesystem root");
    expect(exists(join(fsRoot, "y.log"))).toBe(true);
    const forced = await logclean([fsRoot, "--force"]);
    expect(forced.exitCode).toBe(0);
    expect(exists(join(fsRoot, "y.log"))).toBe(false);
    symlinkSync(root, join(base, "link-to-logs"));
    const viaLink = await logclean([join(base, "link-to-logs")]);
    expect(viaLink.exitCode).toBe(2);
    expect(viaLink.stderr).toContain("is a symlink");
    expect(exists(join(root, "x.log"))).toBe(true);
  });

  test("does not cross into another filesystem or a bind mount unless --cross-devices", async () => {
    const { base, root, outside } = world("xdev");
    file(join(root, "top.log"), 30);
    const tmpfs = dir(join(root, "tmpfs"));
    mount(["-t", "tmpfs", "-o", "size=4m", "tmpfs", tmpfs]);
    file(join(tmpfs, "on-tmpfs.log"), 30);
    const bind = dir(join(root, "bind"));
    mount(["--bind", outside, bind]);
    const before = snapshot(outside);
    const result = await logclean([root]);
    expect(result.exitCode).toBe(0);
    expect(exists(join(root, "top.log"))).toBe(false);
    expect(exists(join(tmpfs, "on-tmpfs.log"))).toBe(true);
    expect(differences(before, snapshot(outside))).toEqual([]);
    const crossing = await logclean([root, "--cross-devices"]);
    expect(crossing.exitCode).toBe(0);
    expect(exists(join(tmpfs, "on-tmpfs.log"))).toBe(false);
    void base;
  });

  test("a bind mount whose path is not UTF-8 is not entered either", async () => {
    const { root, outside } = world("raw-bind");
    const rawDir = Buffer.concat([Buffer.from(`${root}/d`), Buffer.from([0xff])]);
    mkdirSync(rawDir);
    const bind = Buffer.concat([rawDir, Buffer.from("/bind")]);
    mkdirSync(bind);
    // Through a shell: a command's arguments here are text, the mount point's name is not.
    const atBind = (command: string) =>
      Bun.spawnSync(["sh", "-c", `${command} "$1/d$(printf '\\377')/bind"`, "sh", root]);
    expect(atBind(`mount --bind "${outside}"`).exitCode).toBe(0);
    try {
      const before = snapshot(outside);
      const run = await logclean([root]);
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain("deleted 0");
      expect(differences(before, snapshot(outside))).toEqual([]);
    } finally {
      atBind("umount -l");
    }
  });

  test("a root below another filesystem inside another root is still cleaned", async () => {
    const { root } = world("nested-mount");
    file(join(root, "top.log"), 30);
    const tmpfs = dir(join(root, "volume"));
    mount(["-t", "tmpfs", "-o", "size=4m", "tmpfs", tmpfs]);
    const app = dir(join(tmpfs, "app"));
    file(join(app, "on-volume.log"), 30);
    file(join(tmpfs, "beside-app.log"), 30);
    // The walk of root does not enter the volume: app/ is not "inside root" for it.
    const result = await logclean([root, app]);
    expect(result.exitCode).toBe(0);
    expect(exists(join(root, "top.log"))).toBe(false);
    expect(exists(join(app, "on-volume.log"))).toBe(false);
    expect(exists(join(tmpfs, "beside-app.log"))).toBe(true);
    expect(result.stdout).toContain("deleted 2");
  });

  test("as an unprivileged user: permission errors are reported per path, the rest is cleaned, exit 1", async () => {
    const { root } = world("perm");
    const mine = dir(join(root, "mine"));
    for (let i = 0; i < 5; i++) file(join(mine, `${i}.log`), 30);
    const locked = dir(join(root, "locked")); // unreadable
    file(join(locked, "secret.log"), 30);
    chmodSync(locked, 0o700);
    const sealed = dir(join(root, "sealed")); // readable, not writable: unlink fails
    file(join(sealed, "kept.log"), 30);
    chownSync(root, nobody.uid, nobody.gid);
    chownSync(mine, nobody.uid, nobody.gid);
    for (let i = 0; i < 5; i++) chownSync(join(mine, `${i}.log`), nobody.uid, nobody.gid);
    const result = await logclean([root, "--json"], { asUser: true });
    expect(result.exitCode).toBe(1);
    const records = result.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const errors = records.filter((r) => r.event === "error");
    expect(errors.map((e) => [e.path, e.code]).sort()).toEqual([
      [locked, "EACCES"],
      [join(sealed, "kept.log"), "EACCES"],
    ]);
    expect(records.at(-1)).toMatchObject({ event: "summary", deleted: 5, errors: 2 });
    expect(exists(join(sealed, "kept.log"))).toBe(true);
    expect(exists(join(locked, "secret.log"))).toBe(true);
    expect(result.stderr).toContain("permission denied");
  });

  test("--compress-after, --keep-newest, --exclude, --min-size together", async () => {
    const { root } = world("combo");
    for (let i = 0; i < 6; i++) file(join(root, `svc.log.${i}`), i * 2, 4000); // ages 0,2,4,6,8,10
    file(join(root, "audit.log.9"), 20, 4000);
    file(join(root, "tiny.log.7"), 20, 3);
    const result = await logclean([
      root,
      "--match",
      "*.log.[0-9]",
      "--exclude",
      "audit.*",
      "--min-size",
      "1K",
      "--keep-newest",
      "1",
      "--compress-after",
      "3",
      "--days",
      "7",
    ]);
    expect(result.exitCode).toBe(0);
    expect(exists(join(root, "svc.log.0"))).toBe(true); // newest: kept
    expect(exists(join(root, "svc.log.1"))).toBe(true); // 2 days: too young to compress
    expect(exists(join(root, "svc.log.2.gz"))).toBe(true); // 4 days: compressed
    expect(exists(join(root, "svc.log.3.gz"))).toBe(true); // 6 days: compressed
    expect(exists(join(root, "svc.log.2"))).toBe(false);
    expect(exists(join(root, "svc.log.4"))).toBe(false); // 8 days: deleted
    expect(exists(join(root, "svc.log.5"))).toBe(false);
    expect(exists(join(root, "audit.log.9"))).toBe(true); // excluded
    expect(exists(join(root, "tiny.log.7"))).toBe(true); // under --min-size
    expect(result.stdout).toContain("compressed 2");
    expect(result.stdout).toContain("deleted 2");
  });

  test("an expired NAME.gz is deleted before its log is compressed to NAME.gz again", async () => {
    const { root } = world("gz-again");
    // Deletions run on the Worker: the compression must not start before they are done.
    for (let d = 0; d < 200; d++) {
      const sub = dir(join(root, `d${d}`));
      file(join(sub, "app.log"), 3, 2000);
      file(join(sub, "app.log.gz"), 30, 20); // what compressing last month's app.log left
    }
    const dry = await logclean([root, "--compress-after", "1", "--dry-run"]);
    const result = await logclean([root, "--compress-after", "1"]);
    expect([result.exitCode, result.stderr]).toEqual([0, ""]);
    expect(result.stdout).toContain("deleted 200, compressed 200,");
    expect(dry.stdout).toContain("would delete 200, compressed 200,");
    expect(readFileSync(join(root, "d7", "app.log.gz")).length).toBeGreaterThan(20);
    expect(exists(join(root, "d7", "app.log"))).toBe(false);
  });

  test("a name with a newline or other control characters cannot forge an output line", async () => {
    const { root } = world("forge");
    const forged = "a\ndeleted important.db (1 B, 99.0d old)\r\x1b[2K.log";
    file(join(root, forged), 30);
    const human = await logclean([root, "--dry-run"]);
    expect(human.exitCode).toBe(0);
    const lines = human.stdout.split("\n");
    expect(lines.length).toBe(3); // the action, the summary, and the final newline
    expect(lines[0]).toBe(
      `would delete ${root}/a\\x0Adeleted important.db (1 B, 99.0d old)\\x0D\\x1B[2K.log (16 B, 30.0d old)`,
    );
    expect(lines[1]).toStartWith("logclean (dry run): ");
    // Machines get the exact name.
    const json = await logclean([root, "--json"]);
    const records = json.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(records[0]).toMatchObject({ event: "delete", path: join(root, forged) });
    expect(exists(join(root, forged))).toBe(false);
  });

  test("overlapping roots are walked once: no duplicate actions", async () => {
    const { root } = world("overlap");
    const sub = dir(join(root, "sub"));
    file(join(root, "a.log"), 30);
    file(join(sub, "b.log"), 30);
    const result = await logclean([sub, root, `${root}/`]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout.split("\n").filter((l) => l.startsWith("deleted ")).length).toBe(2);
  });

  test("metrics: files deleted, bytes freed and errors land in the textfile", async () => {
    const { base, root } = world("metrics");
    for (let i = 0; i < 3; i++) file(join(root, `${i}.log`), 30, 100);
    const textfile = join(base, "logclean.prom");
    const result = await logclean([root, "--metrics-textfile", textfile]);
    expect(result.exitCode).toBe(0);
    const text = readFileSync(textfile, "utf8");
    expect(text).toMatch(/opsctl_logclean_files_deleted_total\{[^}]*\} 3/);
    expect(text).toMatch(/opsctl_logclean_bytes_freed_total\{[^}]*\} 300/);
    expect(text).toMatch(/opsctl_errors_total\{[^}]*\} 0/);
    expect(text).toMatch(/opsctl_run_duration_seconds/);
  });

  test("a --match or --exclude glob with a '/' (globs match names) is a usage error", async () => {
    const { base, root } = world("slash-glob");
    dir(join(root, "app"));
    file(join(root, "app", "a.log"), 30);
    const before = snapshot(base);
    for (const [flag, glob] of [
      ["--match", `${root}/*.log`],
      ["--exclude", "app/*.log"],
    ] as const) {
      const result = await logclean([root, flag, glob]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`${flag}: '${glob}'`);
    }
    expect(differences(before, snapshot(base))).toEqual([]);
  });

  test("bad input is a usage error (exit 2) and changes nothing", async () => {
    const { base, root } = world("usage");
    file(join(root, "a.log"), 30);
    const before = snapshot(base);
    for (const args of [
      [root, "--days", "x"],
      [root, "--compress-after", "9", "--days", "7"],
      [root, "--match", "*.{log"],
      [join(root, "missing")],
      [],
    ]) {
      const result = await logclean(args);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/logclean: error: /);
    }
    expect(differences(before, snapshot(base))).toEqual([]);
  });

  test("a negative count is refused naming the flag, from the command line or the environment", async () => {
    const { base, root } = world("negative");
    file(join(root, "a.log"), 30);
    const before = snapshot(base);
    for (const flag of ["--days", "--keep-newest", "--compress-after", "--max-delete"]) {
      const result = await logclean([root, flag, "-1"]);
      expect({ flag, exitCode: result.exitCode }).toEqual({ flag, exitCode: 2 });
      expect(result.stderr).toContain(`${flag} must be 0 or more, got -1`);
    }
    const fromEnv = await logclean([root], { env: { OPSCTL_LOGCLEAN_KEEP_NEWEST: "-2" } });
    expect(fromEnv.exitCode).toBe(2);
    expect(fromEnv.stderr).toContain("--keep-newest must be 0 or more, got -2");
    expect(differences(before, snapshot(base))).toEqual([]);
  });
});
