/** writeFileAtomic: a file replaced whole or not at all; devices and symlinks are not replaced. */
import { afterAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  lstatSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/fs/write-atomic.ts";
import { dir, tempDir } from "./tree.ts";

const mounts: string[] = [];
afterAll(() => {
  for (const point of mounts) Bun.spawnSync(["umount", "-l", point]);
});

describe("writeFileAtomic", () => {
  test("replaces the content and keeps the replaced file's mode; no temp file left", () => {
    const base = tempDir("atomic-replace");
    const path = join(base, "week.state");
    writeFileSync(path, "old");
    chmodSync(path, 0o600);
    writeFileAtomic(path, "new");
    expect(readFileSync(path, "utf8")).toBe("new");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(base)).toEqual(["week.state"]);
  });

  test("out of space mid-write: the old file is intact and the temp file removed", () => {
    const base = dir(join(tempDir("atomic-full"), "small"));
    const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", base]);
    expect(mounted.exitCode).toBe(0);
    mounts.push(base);
    const path = join(base, "day.state");
    writeFileSync(path, "yesterday");
    expect(() => writeFileAtomic(path, "x".repeat(1024 * 1024))).toThrow("ENOSPC");
    expect(readFileSync(path, "utf8")).toBe("yesterday");
    expect(readdirSync(base)).toEqual(["day.state"]);
  });

  test("a temp file left by a killed run with the same pid (pid 1 in a container) is replaced", () => {
    const base = tempDir("atomic-stale");
    const path = join(base, "sshping.prom");
    writeFileSync(path, "old");
    writeFileSync(`${path}.${process.pid}.tmp`, "half of a killed run's write");
    writeFileAtomic(path, "new");
    expect(readFileSync(path, "utf8")).toBe("new");
    expect(readdirSync(base)).toEqual(["sshping.prom"]);
  });

  test("a device is written, not replaced; a symlink stays and its file is replaced", () => {
    writeFileAtomic("/dev/null", "discarded");
    expect(lstatSync("/dev/null").isCharacterDevice()).toBe(true);
    const base = tempDir("atomic-link");
    const real = join(base, "real.html");
    writeFileSync(real, "old");
    const link = join(base, "report.html");
    symlinkSync(real, link);
    writeFileAtomic(link, "new");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, "utf8")).toBe("new");
  });

  test("a path of bytes that are not UTF-8 (Latin-1 caf\\xe9) is written by those bytes, through a symlink too", () => {
    const base = tempDir("atomic-bytes");
    const named = (name: string) =>
      Buffer.concat([Buffer.from(`${base}/caf`), Buffer.from([0xe9]), Buffer.from(name)]);
    const state = named(".state");
    writeFileSync(state, "old");
    // A stale temp of this very name: found by the same bytes, replaced.
    writeFileSync(named(`.state.${process.pid}.tmp`), "half of a killed run's write");
    writeFileAtomic(state, "new");
    expect(readFileSync(state, "utf8")).toBe("new");
    const link = named(".html");
    const real = named("-real.html");
    writeFileSync(real, "old");
    symlinkSync(real, link);
    writeFileAtomic(link, "new");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, "utf8")).toBe("new");
    const names = readdirSync(base, { encoding: "buffer" }).map((name) => name.toString("latin1"));
    expect(names.sort()).toEqual(["caf\xe9-real.html", "caf\xe9.html", "caf\xe9.state"]);
  });
});
