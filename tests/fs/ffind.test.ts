/** The compiled ffind, on a real tree: what find would print, and what find cannot. */
import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, closeSync, openSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { compiledTool } from "../helpers/compiled.ts";
import { runForBytes } from "./run-bytes.ts";
import { asNobody, dir, file, publicCopy, tempDir } from "./tree.ts";

let bin: string;
let base: string;
let root: string;
const latin1 = Buffer.from("caf\xe9.log", "latin1");

/** Raw stdout bytes (paths need not be UTF-8). */
async function ffind(args: (string | Buffer)[], asUser = false, env: Record<string, string> = {}) {
  const command = [bin, ...args] as string[];
  const result = await runForBytes(asUser ? asNobody(command) : command, { home: base, env });
  return { ...result, text: result.stdout.toString("utf8") };
}

const lines = (text: string) => text.split("\n").filter(Boolean);

beforeAll(async () => {
  bin = await compiledTool("ffind");
  base = tempDir("ffind");
  bin = publicCopy(bin, base);
  root = dir(join(base, "root"));
  for (let a = 0; a < 20; a++) {
    const d = dir(join(root, `svc${a}`, "logs"));
    for (let f = 0; f < 100; f++)
      file(join(d, `f${f}.${f % 4 === 0 ? "log" : "txt"}`), f % 10, f * 10);
  }
  const odd = dir(join(root, "odd"));
  file(join(odd, "with space.log"));
  file(join(odd, "new\nline.log"));
  file(Buffer.concat([Buffer.from(`${odd}/`), latin1]));
  file(join(root, ".hidden.log"));
  dir(join(root, ".cache"));
  file(join(root, ".cache", "c.log"));
  const outside = dir(join(base, "outside"));
  file(join(outside, "elsewhere.log"));
  const links = dir(join(root, "links"));
  symlinkSync(outside, join(links, "out"));
  symlinkSync("..", join(links, "up"));
  symlinkSync(join(links, "self"), join(links, "self"));
  // Unreadable for `nobody` (root would read it anyway).
  const locked = dir(join(root, "locked"));
  file(join(locked, "hidden-from-nobody.log"));
  chmodSync(locked, 0o700);
  chownSync(locked, 0, 0);
}, 120_000);

describe("ffind (compiled)", () => {
  test("--count counts what find -name counts", async () => {
    const result = await ffind([root, "--name", "*.log", "--count"]);
    expect(result.exitCode).toBe(0);
    // 20 x 25 logs + 3 odd + 1 locked (root can read it); hidden ones excluded by default
    expect(result.text).toBe("504\n");
    const hidden = await ffind([root, "--name", "*.log", "--count", "--hidden"]);
    expect(hidden.text).toBe("506\n");
  });

  test("the native walk and node:fs (OPSCTL_FS_NATIVE=0) find exactly the same", async () => {
    const queries: string[][] = [
      ["--name", "*.log", "--sort", "-0"],
      ["--name", "f1?.log", "--name", "*.txt", "--sort", "--hidden"],
      ["--type", "d", "--sort"],
      ["--type", "l", "--sort"],
      ["--regex", "^f[0-9]+\\.log$", "--older-than", "5d", "--larger-than", "100", "--sort"],
      ["--name", "*.log", "--max-depth", "2", "--sort", "--json"],
    ];
    for (const query of queries) {
      const native = await ffind([root, ...query]);
      const portable = await ffind([root, ...query], false, { OPSCTL_FS_NATIVE: "0" });
      expect(native.exitCode).toBe(0);
      expect(native.stdout.length).toBeGreaterThan(0);
      // --json mtimes come from statx on one side and lstat on the other: same to the ms.
      expect([query, portable.exitCode, portable.stdout.toString("latin1")]).toEqual([
        query,
        0,
        native.stdout.toString("latin1"),
      ]);
    }
  });

  test("on several threads (subtrees shared with Workers) it finds exactly what one thread finds", async () => {
    // The Worker walk: unsorted names and counts would otherwise take the compiled walk's threads
    // (those are compared in ffind-compiled.test.ts).
    const workers = { OPSCTL_FS_COMPILED: "0" };
    const queries: string[][] = [
      ["--name", "*.log", "--count"],
      ["--name", "*.log", "--sort", "-0"],
      ["--type", "d", "--sort", "--hidden"],
      ["--regex", "^f[0-9]+\\.log$", "--older-than", "5d", "--sort", "--json"],
      ["--name", "*.txt", "--max-depth", "3", "--sort"],
    ];
    for (const query of queries) {
      const one = await ffind([root, ...query, "--threads", "1"], false, workers);
      const two = await ffind(
        [root, ...query, "--threads", "2", "--share-after", "0"],
        false,
        workers,
      );
      expect(one.exitCode).toBe(0);
      expect(one.stdout.length).toBeGreaterThan(0);
      expect([query, two.exitCode, two.stdout.toString("latin1")]).toEqual([
        query,
        0,
        one.stdout.toString("latin1"),
      ]);
    }
    // Unsorted, the same set; and an unreadable subtree is reported whichever thread reads it.
    const paths = async (threads: string) =>
      lines(
        (
          await ffind(
            [root, "--name", "*.log", "--threads", threads, "--share-after", "0"],
            false,
            workers,
          )
        ).text,
      ).sort();
    expect(await paths("3")).toEqual(await paths("1"));
    const denied = await ffind(
      [root, "--name", "*.log", "--count", "--threads", "2", "--share-after", "0"],
      true,
      workers,
    );
    expect([denied.exitCode, denied.text]).toEqual([1, "503\n"]);
    expect(denied.stderr).toContain(`${join(root, "locked")}: permission denied`);
  });

  test("prints paths as found; --sort orders them byte-wise", async () => {
    const result = await ffind([join(root, "svc3"), "--name", "f1?.log", "--sort"]);
    expect(lines(result.text)).toEqual([
      join(root, "svc3/logs/f12.log"),
      join(root, "svc3/logs/f16.log"),
    ]);
  });

  test("non-UTF-8 names are printed as their exact bytes; -0 separates with NUL", async () => {
    const result = await ffind([join(root, "odd"), "--type", "f", "-0", "--sort"]);
    const items = result.stdout
      .toString("latin1")
      .split("\0")
      .filter(Boolean)
      .map((p) => p.slice(join(root, "odd").length + 1));
    expect(items).toEqual([latin1.toString("latin1"), "new\nline.log", "with space.log"]);
    expect(
      result.stdout.includes(Buffer.concat([Buffer.from("/"), latin1, Buffer.from([0])])),
    ).toBe(true);
  });

  test("--json: NDJSON with type, size and mtime; raw names carry their bytes in base64", async () => {
    const result = await ffind([join(root, "odd"), "--json", "--sort"]);
    const records = lines(result.text).map((line) => JSON.parse(line));
    expect(records.length).toBe(3);
    for (const record of records) {
      expect(record.type).toBe("file");
      expect(record.size).toBe(16);
      expect(Number.isNaN(Date.parse(record.mtime))).toBe(false);
    }
    const raw = records.find((r) => r.path_base64);
    expect(Buffer.from(raw.path_base64, "base64").subarray(-latin1.length).equals(latin1)).toBe(
      true,
    );
  });

  test("size, age and depth filters", async () => {
    const svc = join(root, "svc0");
    const big = await ffind([svc, "--type", "f", "--larger-than", "900", "--sort"]);
    expect(lines(big.text).map((p) => p.split("/").pop())).toEqual(
      Array.from(
        { length: 9 },
        (_, i) => `f${91 + i}.${(91 + i) % 4 === 0 ? "log" : "txt"}`,
      ).sort(),
    );
    const small = await ffind([svc, "--type", "f", "--smaller-than", "20", "--count"]);
    expect(small.text).toBe("2\n"); // sizes 0 and 10
    // ages are f % 10 days: older than 7.5d -> f%10 in {8, 9} -> 20 files
    const old = await ffind([svc, "--type", "f", "--older-than", "7d12h", "--count"]);
    expect(old.text).toBe("20\n");
    const fresh = await ffind([svc, "--type", "f", "--newer-than", "12h", "--count"]);
    expect(fresh.text).toBe("10\n");
    const shallow = await ffind([root, "--max-depth", "1", "--type", "d", "--sort"]);
    expect(lines(shallow.text).map((p) => p.slice(root.length + 1))).toEqual([
      "links",
      "locked",
      "odd",
      ...Array.from({ length: 20 }, (_, i) => `svc${i}`).sort(),
    ]);
  });

  test("--regex on the name, --type l", async () => {
    const regex = await ffind([root, "--regex", "^f(1|2)\\.log$", "--count"]);
    expect(regex.text).toBe("0\n"); // f1, f2 are .txt (f % 4 != 0)
    const regex2 = await ffind([root, "--regex", "^f(0|4)\\.log$", "--count"]);
    expect(regex2.text).toBe("40\n");
    const links = await ffind([root, "--type", "l", "--sort"]);
    expect(lines(links.text).map((p) => p.slice(root.length + 1))).toEqual([
      "links/out",
      "links/self",
      "links/up",
    ]);
  });

  test("symlinks are not followed by default; --follow goes through them and survives loops", async () => {
    const plain = await ffind([root, "--name", "elsewhere.log"]);
    expect(plain.text).toBe("");
    const followed = await ffind([join(root, "links"), "--follow", "--name", "elsewhere.log"]);
    expect(followed.exitCode).toBe(0);
    expect(lines(followed.text)).toContain(join(root, "links/out/elsewhere.log"));
    expect(followed.stderr).toContain("filesystem loop");
    // links/self -> itself: a broken link, listed as a symlink, not a crash
    const self = await ffind([join(root, "links"), "--follow", "--type", "l"]);
    expect(lines(self.text)).toContain(join(root, "links/self"));
  });

  test("as an unprivileged user: the unreadable directory is reported, the rest printed, exit 1", async () => {
    const result = await ffind([root, "--name", "*.log", "--count"], true);
    expect(result.exitCode).toBe(1);
    expect(result.text).toBe("503\n");
    expect(result.stderr).toContain(join(root, "locked"));
    expect(result.stderr).toContain("permission denied");
  });

  test("bad input: clear usage errors, exit 2", async () => {
    const regex = await ffind([root, "--regex", "("]);
    expect(regex.exitCode).toBe(2);
    expect(regex.stderr).toContain("--regex");
    const glob = await ffind([root, "--name", "*.{log"]);
    expect(glob.exitCode).toBe(2);
    expect(glob.stderr).toContain("unclosed");
    const size = await ffind([root, "--larger-than", "lots"]);
    expect(size.exitCode).toBe(2);
    const missing = await ffind([join(root, "nope"), "--count"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("no such file or directory");
  });

  test("integer flags: a negative value gets the flag's own check; 1e3 and 0x10 are refused", async () => {
    const negative = await ffind([root, "--max-depth", "-1"]);
    expect(negative.exitCode).toBe(2);
    expect(negative.stderr).toContain("--max-depth must be 0 or more, got -1");
    for (const text of ["1e3", "0x10"]) {
      const result = await ffind([root, "--max-depth", text, "--count"]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`--max-depth: "${text}" is not a whole number`);
    }
  });

  test("stdout closed early (ffind | head -1): the walk stops, exit 0, nothing on stderr", async () => {
    // 1.4 MB of paths in 500 dirs: far more than a pipe (64 KiB), ffind's buffer and the walk's
    // read-ahead (64 dirs) hold, so ffind meets the closed pipe long before the end of the walk.
    // Entries walked come from the metrics textfile.
    const wide = dir(join(base, "wide"));
    const long = "x".repeat(200);
    for (let d = 0; d < 500; d++) {
      const sub = dir(join(wide, `d${d}`));
      for (let f = 0; f < 10; f++) closeSync(openSync(join(sub, `${long}${f}`), "w"));
    }
    const walked = (prom: string) =>
      Number(
        /^opsctl_items_processed_total\{[^}]*\} (\d+)$/m.exec(readFileSync(prom, "utf8"))?.[1],
      );
    const full = await ffind([wide, "--metrics-textfile", join(base, "full.prom")]);
    expect(lines(full.text)).toHaveLength(5500); // 500 dirs, 5000 files
    expect(walked(join(base, "full.prom"))).toBe(5500);

    // The compiled walk's threads, and the JavaScript walk.
    for (const walker of [{}, { OPSCTL_FS_COMPILED: "0" }]) {
      const errors = join(base, "piped.err");
      const piped = Bun.spawnSync(
        [
          "bash",
          "-c",
          '"$@" 2>"$FFIND_ERR" | head -1 >/dev/null; echo "$PIPESTATUS"', // ffind's exit code
          "ffind",
          bin,
          wide,
          "--metrics-textfile",
          join(base, "piped.prom"),
        ],
        {
          env: {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            HOME: base,
            FFIND_ERR: errors,
            ...walker,
          },
        },
      );
      expect([walker, piped.stdout.toString()]).toEqual([walker, "0\n"]);
      expect(readFileSync(errors, "utf8")).toBe("");
      expect(walked(join(base, "piped.prom"))).toBeLessThan(5500 / 2);
    }
  });

  test("a missing root does not hide the matches of the others", async () => {
    const result = await ffind([join(root, "nope"), join(root, "odd"), "--count"]);
    expect(result.exitCode).toBe(1);
    expect(result.text).toBe("3\n");
  });

  test("files given as roots are tested like any match (a shell glob of roots piped to rm)", async () => {
    const log = join(root, "svc0", "logs", "f0.log");
    const txt = join(root, "svc0", "logs", "f1.txt");
    const byName = await ffind([log, txt, "--name", "*.txt"]);
    expect(byName.exitCode).toBe(0);
    expect(lines(byName.text)).toEqual([txt]);
    const byType = await ffind([log, txt, "--type", "d"]);
    expect(byType.text).toBe("");
    const byRegex = await ffind([log, txt, "--regex", "^f0\\."]);
    expect(lines(byRegex.text)).toEqual([log]);
  });
});
