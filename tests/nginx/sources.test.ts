/**
 * Inputs the compiled nginxlog must take: .gz and rotated sets, globs, stdin, malformed and
 * truncated lines (counted, shown with line numbers), empty files, a missing final newline,
 * state files that merge to what one run gives, Workers agreeing with one thread, and
 * --follow across a real nginx log rotation and a truncation.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { analyzeSources } from "../../lib/nginx/analyze.ts";
import { presets } from "../../lib/nginx/format.ts";
import { startNginx } from "../env/nginx.ts";
import { tempDir } from "../env/service.ts";
import { compiledTool } from "../helpers/compiled.ts";
import { waitUntil } from "../helpers/wait-until.ts";
import { compileOnce, counts, nginxlog, report } from "./helpers.ts";

// Compiling the binary can take a while on a busy machine: not inside a test's 5 s.
beforeAll(compileOnce, 180_000);

const dir = tempDir("nginxlog-sources");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function line(i: number, status = 200, ip = `10.0.0.${i % 7}`, path = `/p/${i % 5}`): string {
  const second = String(i % 60).padStart(2, "0");
  return `${ip} - - [26/Nov/2026:10:00:${second} +0000] "GET ${path} HTTP/1.1" ${status} ${100 + i} "-" "curl/8"\n`;
}

/** analyzeSources' settings for the combined format, no filter, small tables. */
const combinedSettings = {
  formatText: presets.combined as string,
  escape: "default" as const,
  formatName: "combined",
  filter: {},
  bucketSeconds: 0,
  topCapacity: 64,
  badExampleLimit: 10,
  only: [],
};

function lines(from: number, to: number, status = 200): string {
  let text = "";
  for (let i = from; i < to; i++) text += line(i, status);
  return text;
}

describe("sources", () => {
  test("rotated set with .gz in one glob: oldest first, every line counted once", async () => {
    const rotated = join(dir, "rotated");
    mkdirSync(rotated);
    writeFileSync(join(rotated, "access.log"), lines(0, 10));
    writeFileSync(join(rotated, "access.log.1"), lines(10, 30, 404));
    writeFileSync(join(rotated, "access.log.2.gz"), Bun.gzipSync(Buffer.from(lines(30, 60, 500))));
    writeFileSync(join(rotated, "access.log.10.gz"), Bun.gzipSync(Buffer.from(lines(60, 65, 301))));
    const result = await report([join(rotated, "access.log*")]);
    expect(result.overview.requests).toBe(65);
    expect(counts(result, "status")).toEqual({ "200": 10, "404": 20, "500": 30, "301": 5 });
    const sources = result.overview.sources as string[];
    expect(sources.map((s) => s.split("/").pop())).toEqual([
      "access.log.10.gz",
      "access.log.2.gz",
      "access.log.1",
      "access.log",
    ]);
  }, 60_000);

  test("a corrupt .gz is an error naming the file; the other inputs still count", async () => {
    const good = join(dir, "good.log");
    writeFileSync(good, lines(0, 4));
    const bad = join(dir, "bad.log.gz");
    writeFileSync(bad, Buffer.concat([Bun.gzipSync(Buffer.from(lines(0, 50))).subarray(0, 40)]));
    const result = await nginxlog([good, bad, "--json"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("bad.log.gz");
    expect(JSON.parse(result.stdout).overview.requests).toBeGreaterThanOrEqual(4);
  }, 60_000);

  test("a corrupt .gz, or one stopped mid-file, leaves no file descriptor open", async () => {
    const openFds = () => readdirSync("/proc/self/fd").length;
    // Stored, not compressed: 3.5 MB, more than the 1 MiB the first read takes, so the file is
    // still open (not at its end) when the gunzip fails or the reader stops.
    const stored = Bun.gzipSync(Buffer.from(lines(0, 40_000)), { level: 0 });
    const long = join(dir, "fd-stopped.log.gz");
    writeFileSync(long, stored);
    const corrupt = join(dir, "fd-corrupt.log.gz");
    writeFileSync(
      corrupt,
      Buffer.concat([stored.subarray(0, 1 << 20), Buffer.alloc(3 << 20, 0xff)]),
    );
    const small = join(dir, "fd-small.log.gz");
    writeFileSync(small, Bun.gzipSync(Buffer.from(lines(0, 3))));
    const gz = (path: string) => ({ kind: "file" as const, path, size: 0, gzip: true });
    // What the runtime opens once, on its first gunzip, is not a leak: opened before counting.
    await analyzeSources({ sources: [gz(small)], settings: combinedSettings, threads: 1 });
    const before = openFds();
    const failed = await analyzeSources({
      sources: [gz(corrupt)],
      settings: combinedSettings,
      threads: 1,
    });
    expect(failed.errors).toEqual([`${corrupt}: invalid block type`]);
    expect(openFds()).toBe(before);
    const stop = new AbortController();
    const stopped = await analyzeSources({
      sources: [gz(long)],
      settings: combinedSettings,
      threads: 1,
      signal: stop.signal,
      // Stopped while the first block is analysed, as Ctrl-C or | head would.
      onRecord: () => stop.abort(),
    });
    expect(stopped.summary.requests).toBeLessThan(40_000);
    expect(openFds()).toBe(before);
  });

  test("a truncated .gz (compression cut short): the lines before the cut count, the cut one is not a bad line", async () => {
    const text = lines(0, 50);
    const whole = Bun.gzipSync(Buffer.from(text), { level: 0 });
    // Stored, so the cut lands where chosen: 10 header bytes, 5 of block header, then the text.
    const cutAt = 10 + 5 + line(0).length + line(1).length + 20;
    const cut = join(dir, "cut.log.gz");
    writeFileSync(cut, whole.subarray(0, cutAt));
    const result = await analyzeSources({
      sources: [{ kind: "file", path: cut, size: cutAt, gzip: true }],
      settings: combinedSettings,
      threads: 1,
    });
    expect(result.errors).toEqual([`${cut}: unexpected end of file`]);
    expect(result.summary.requests).toBe(2);
    // Counted bad, a lone cut line also made "none of 1 lines matched the log format: check --format".
    expect(result.summary.bad).toBe(0);
  });

  test("missing input: exit 1 naming it", async () => {
    const result = await nginxlog([join(dir, "nope.log")]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("nope.log: no such file");
  }, 60_000);

  test("stdin", async () => {
    const result = await report(["-"], { stdin: lines(0, 12) });
    expect(result.overview.requests).toBe(12);
  }, 60_000);

  test("a named pipe or <(process substitution) is read as a stream, not as an empty file", async () => {
    const fifo = join(dir, "pipe.log");
    Bun.spawnSync(["mkfifo", fifo]);
    const source = join(dir, "pipe-source.log");
    writeFileSync(source, lines(0, 9));
    // The writer blocks until nginxlog opens the pipe for reading.
    const writer = Bun.spawn(["sh", "-c", 'cat "$1" > "$2"', "sh", source, fifo]);
    const result = await report([fifo]);
    await writer.exited;
    expect(result.overview.requests).toBe(9);
    const bin = await compiledTool("nginxlog");
    const bash = Bun.spawnSync(["bash", "-c", '"$1" <(cat "$2") --json', "bash", bin, source]);
    expect(bash.exitCode).toBe(0);
    expect(JSON.parse(bash.stdout.toString()).overview.requests).toBe(9);
  }, 60_000);

  test("a named pipe named by bytes that are not UTF-8 waits for its writer off the main thread: Ctrl-C is heard", async () => {
    const latin1 = join(dir, "latin1-pipe");
    mkdirSync(latin1, { recursive: true });
    const name = `"$(printf 'p\\351.log')"`;
    Bun.spawnSync(["bash", "-c", `mkfifo ${name}`], { cwd: latin1 });
    const bin = await compiledTool("nginxlog");
    const proc = Bun.spawn(["bash", "-c", `exec "$1" ${name} --json`, "bash", bin], {
      cwd: latin1,
      stdout: "ignore",
      stderr: "pipe",
    });
    let stderr = "";
    void (async () => {
      for await (const chunk of proc.stderr) stderr += new TextDecoder().decode(chunk);
    })();
    /** Some thread of nginxlog is in open(), waiting for the pipe's writer. */
    const opening = () =>
      readdirSync(`/proc/${proc.pid}/task`).some(
        (task) =>
          readFileSync(`/proc/${proc.pid}/task/${task}/wchan`, "utf8") === "wait_for_partner",
      );
    try {
      await waitUntil("nginxlog opening the pipe", opening, 30_000, 25);
      proc.kill("SIGINT");
      await waitUntil(
        "the first Ctrl-C to be heard",
        () => stderr.includes("received SIGINT"),
        10_000,
        25,
      );
      proc.kill("SIGINT");
      expect(await proc.exited).toBe(130);
    } finally {
      proc.kill("SIGKILL");
    }
  }, 60_000);

  test("no file and stdin a terminal: a usage error saying what to give, not a silent wait on the keyboard", async () => {
    const bin = await compiledTool("nginxlog");
    // script(1) gives the command a terminal; -e passes its exit code on.
    const bare = Bun.spawnSync(["script", "-qec", bin, "/dev/null"], { stdin: "ignore" });
    expect(bare.exitCode).toBe(2);
    expect(bare.stdout.toString()).toContain("no log given and stdin is a terminal");
    // `-` on a terminal is asked for: the lines typed are read (one, then Ctrl-D).
    const dash = Bun.spawnSync(["script", "-qec", `${bin} - --json`, "/dev/null"], {
      stdin: new Blob([`${line(0)}\x04`]),
    });
    expect(dash.exitCode).toBe(0);
    expect(dash.stdout.toString()).toContain('"requests": 1');
  }, 60_000);

  test("stdin that goes quiet (ssh host tail -F | nginxlog): SIGTERM ends the wait, the report is printed", async () => {
    const bin = await compiledTool("nginxlog");
    // A stream's only end is the stop: its counts are whole, so --state is written.
    const state = join(dir, "quiet-stdin.state");
    const proc = Bun.spawn([bin, "--json", "--log-format", "json", "--state", state], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      proc.stdin.write(lines(0, 3));
      proc.stdin.flush();
      /** nginxlog catches SIGTERM (its handler is installed): bit 15 of /proc's SigCgt mask. */
      const catchesTerm = () => {
        const mask = /^SigCgt:\s+([0-9a-f]+)$/m.exec(
          readFileSync(`/proc/${proc.pid}/status`, "utf8"),
        );
        return mask !== null && (BigInt(`0x${mask[1]}`) & (1n << 14n)) !== 0n;
      };
      await waitUntil("nginxlog catching SIGTERM", catchesTerm, 30_000, 25);
      proc.kill("SIGTERM");
      // stdin stays open and silent: before, nginxlog waited for its next chunk for ever.
      const [code, stdout] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
      expect(code).toBe(143);
      const parsed = JSON.parse(stdout) as { overview: { sources: string[]; requests: number } };
      expect(parsed.overview.sources).toEqual(["-"]);
      expect(parsed.overview.requests).toBeLessThanOrEqual(3);
      expect(parsed.overview).not.toHaveProperty("stopped");
      expect(existsSync(state)).toBe(true);
    } finally {
      proc.stdin.end();
      proc.kill("SIGKILL");
    }
  }, 60_000);

  test("a file rotated away between listing and reading is an error naming it; the rest still counts", async () => {
    const kept = join(dir, "kept.log");
    writeFileSync(kept, lines(0, 6));
    const gone = join(dir, "gone.log.1");
    const result = await analyzeSources({
      // As expandInputs listed them a moment before logrotate removed gone.log.1.
      sources: [
        { kind: "file", path: gone, size: 4096, gzip: false },
        { kind: "file", path: kept, size: lines(0, 6).length, gzip: false },
      ],
      settings: combinedSettings,
      threads: 1,
    });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toContain(gone);
    expect(result.summary.requests).toBe(6);
  });

  test("a stop mid-file (Ctrl-C, | head) drops the line cut at the read block: not a bad line", async () => {
    // 20000 lines of 88 bytes: the first read (256 KiB) ends inside a line.
    const big = join(dir, "stopped.log");
    writeFileSync(big, lines(0, 20_000));
    const stop = new AbortController();
    const result = await analyzeSources({
      sources: [{ kind: "file", path: big, size: lines(0, 20_000).length, gzip: false }],
      settings: combinedSettings,
      threads: 1,
      signal: stop.signal,
      // Stopped while the first block is analysed, as a signal would.
      onRecord: () => stop.abort(),
    });
    expect(result.summary.requests).toBeGreaterThan(0);
    expect(result.summary.requests).toBeLessThan(20_000);
    expect(result.summary.badExamples).toEqual([]);
    expect(result.summary.bad).toBe(0);
  });

  test("a file name that is not UTF-8 (Latin-1 caf\\xe9) is read: plain, split over a Worker, and .gz", async () => {
    const latin1 = join(dir, "latin1");
    mkdirSync(latin1, { recursive: true });
    const name = (suffix: string) =>
      Buffer.concat([Buffer.from(`${latin1}/caf`), Buffer.from([0xe9]), Buffer.from(suffix)]);
    writeFileSync(name(".log"), lines(0, 400));
    writeFileSync(name(".log.1.gz"), Bun.gzipSync(lines(0, 3)));
    const bin = await compiledTool("nginxlog");
    // The shell passes the bytes as they are; a spawn argument would be encoded as UTF-8.
    const run = (args: string) =>
      Bun.spawnSync(["bash", "-c", `"$1" ${args} --json`, "bash", bin], { cwd: latin1 });
    const plain = run(`"caf$(printf '\\351').log" --threads 2 --min-range 4K`);
    expect(plain.stderr.toString()).not.toContain("no such file");
    expect(plain.exitCode).toBe(0);
    expect(JSON.parse(plain.stdout.toString()).overview.requests).toBe(400);
    const gz = run(`"$PWD/caf$(printf '\\351').log.1.gz"`);
    expect(gz.exitCode).toBe(0);
    expect(JSON.parse(gz.stdout.toString()).overview.requests).toBe(3);
  }, 60_000);

  test("outputs named by bytes that are not UTF-8 (--state, --html, --export) are written by those bytes, and merge reads the states back", async () => {
    const latin1 = join(dir, "latin1-outputs");
    mkdirSync(latin1, { recursive: true });
    writeFileSync(join(latin1, "access.log"), lines(0, 7));
    const bin = await compiledTool("nginxlog");
    // The shell passes the bytes as they are; a spawn argument would be encoded as UTF-8.
    const run = (args: string) =>
      Bun.spawnSync(["bash", "-c", `"$1" ${args}`, "bash", bin], { cwd: latin1 });
    const cafe = (suffix: string) => `"caf$(printf '\\351')${suffix}"`;
    const day = run(
      `access.log --state ${cafe(".state")} --html ${cafe(".html")} --export ${cafe(".ndjson")} --json`,
    );
    expect(day.stderr.toString()).not.toContain("cannot write");
    expect(day.exitCode).toBe(0);
    // The --flag=VALUE form too, and Parquet (written by its library, through node:fs).
    expect(
      run(`access.log --state=${cafe("2.state")} --export=${cafe(".parquet")} --json`).exitCode,
    ).toBe(0);
    // Names read back as Latin-1: one character a byte, so caf\xe9 is the exact 0xE9.
    const exact = (suffix: string) => `caf\xe9${suffix}`;
    const names = readdirSync(latin1, { encoding: "buffer" }).map((name) =>
      name.toString("latin1"),
    );
    expect(names.sort()).toEqual(
      [
        "access.log",
        exact(".html"),
        exact(".ndjson"),
        exact(".parquet"),
        exact(".state"),
        exact("2.state"),
      ].sort(),
    );
    const merged = run(`merge ${cafe(".state")} ${cafe("2.state")} --json`);
    expect(merged.stderr.toString()).not.toContain("no such file");
    expect(merged.exitCode).toBe(0);
    expect(JSON.parse(merged.stdout.toString()).overview.requests).toBe(14);
  }, 60_000);

  test("0-byte file and a file without a trailing newline", async () => {
    const empty = join(dir, "empty.log");
    writeFileSync(empty, "");
    const emptyResult = await report([empty]);
    expect(emptyResult.overview.requests).toBe(0);
    expect(emptyResult.overview.lines).toBe(0);
    const noNewline = join(dir, "no-newline.log");
    writeFileSync(noNewline, lines(0, 3) + line(3, 201).trimEnd());
    const result = await report([noNewline]);
    expect(result.overview.requests).toBe(4);
    expect(counts(result, "status")["201"]).toBe(1);
  }, 60_000);

  test("malformed and truncated lines are counted and shown with line numbers, never fatal", async () => {
    const messy = join(dir, "messy.log");
    const good = lines(0, 3);
    writeFileSync(
      messy,
      `${good}this is not nginx\n${line(5).slice(0, 40)}\n${line(6).replace(" 200 ", " 2x0 ")}\n\n${lines(7, 9)}\u0000\u0001binary\n`,
    );
    const result = await nginxlog([messy, "--show-bad", "5"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`${messy}:4: does not match the log format: this is not nginx`);
    expect(result.stdout).toContain(`${messy}:5: does not match the log format`);
    expect(result.stdout).toContain(`${messy}:6: status is not a 3-digit code`);
    expect(result.stdout).toContain(`${messy}:11: does not match the log format`);
    const json = await report([messy]);
    expect(json.overview.requests).toBe(5);
    expect(json.overview.badLines).toBe(4);
    expect(json.badExamples.map((b) => b.line)).toEqual([4, 5, 6, 11]);
  }, 60_000);

  test("--only computes just the asked table groups", async () => {
    const file = join(dir, "only.log");
    writeFileSync(file, lines(0, 40));
    const result = await report([file, "--only", "ips"]);
    expect(result.overview.requests).toBe(40);
    expect(result.tables.map((t) => t.name)).toEqual([
      "status-classes",
      "status",
      "methods",
      "protocols",
      "top-ips",
    ]);
    expect(counts(result, "top-ips")["10.0.0.0"]).toBe(6);
    expect((await nginxlog([file, "--only", "nope"])).exitCode).toBe(2);
  }, 60_000);

  test("--since/--until in ISO, $time_local and plain forms; bad times are usage errors", async () => {
    const file = join(dir, "times.log");
    writeFileSync(file, lines(0, 60)); // 10:00:00 .. 10:00:59 UTC
    const iso = await report([
      file,
      "--since",
      "2026-11-26T10:00:30Z",
      "--until",
      "2026-11-26T10:00:40Z",
    ]);
    expect(iso.overview.requests).toBe(10);
    expect(iso.overview.filteredOut).toBe(50);
    const local = await report([file, "--since", "26/Nov/2026:11:00:50 +0100"]);
    expect(local.overview.requests).toBe(10);
    const bad = await nginxlog([file, "--since", "soonish"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--since "soonish"');
    // Swapped bounds match nothing: said at once instead of an empty report and exit 0.
    const swapped = await nginxlog([
      file,
      "--since",
      "2026-11-26 10:01",
      "--until",
      "2026-11-26 10:00",
    ]);
    expect(swapped.exitCode).toBe(2);
    expect(swapped.stderr).toContain(
      '--since "2026-11-26 10:01" is not before --until "2026-11-26 10:00": no request could match',
    );
    const impossible = await nginxlog([file, "--until", "2026-02-31"]);
    expect([impossible.exitCode, impossible.stderr]).toEqual([
      2,
      expect.stringContaining('--until "2026-02-31": no such date or time of day'),
    ]);
  }, 60_000);

  test("counts that cannot be negative or zero are usage errors naming the flag", async () => {
    const file = join(dir, "counts.log");
    writeFileSync(file, lines(0, 5));
    for (const [flag, value] of [
      ["--capacity", "-5"],
      ["--capacity", "0"],
      ["--top", "-1"],
      ["--show-bad", "-1"],
      ["--row-group", "0"],
      ["--threads", "0"],
    ] as const) {
      const result = await nginxlog([file, `${flag}=${value}`, "--json"]);
      expect({ flag, value, exitCode: result.exitCode }).toEqual({ flag, value, exitCode: 2 });
      expect(result.stderr).toMatch(new RegExp(`${flag} must be .*, got ${value}\\n`));
    }
    // --top 0 stays what it was: the overview without table rows.
    expect((await report([file, "--top", "0"])).overview.requests).toBe(5);
  }, 60_000);

  test("--where on a field the format does not have is a usage error, not an empty report", async () => {
    const file = join(dir, "where.log");
    writeFileSync(file, lines(0, 20));
    // combined has no $request_time: every line would silently fail the clause.
    const missing = await nginxlog([file, "--where", "request_time>1"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(
      '--where "request_time>1": the log format has no $request_time',
    );
    expect(missing.stdout).toBe("");
    // Variables of the format and the fields taken from $request still filter.
    expect(
      (await report([file, "--where", "status=200", "--where", "path~^/p/[12]$"])).overview
        .requests,
    ).toBe(8);
    expect((await report([file, "--where", "$remote_addr=10.0.0.3"])).overview.requests).toBe(3);
  }, 60_000);

  test("--where on method/path/query/uri/protocol with no variable to take it from: a usage error", async () => {
    const file = join(dir, "where-derived.log");
    writeFileSync(file, "10.0.0.1 200 GET\n");
    const format = ["--format", "$remote_addr $status $request_method"];
    for (const field of ["path", "query", "uri", "protocol"]) {
      const result = await nginxlog([file, ...format, "--where", `${field}~x`]);
      expect({ field, exitCode: result.exitCode }).toEqual({ field, exitCode: 2 });
      expect(result.stderr).toContain(`--where "${field}~x": the log format has no $request`);
      expect(result.stderr).toContain("(fields: remote_addr, status, request_method, method)");
    }
    // method comes from $request_method here.
    expect((await report([file, ...format, "--where", "method=GET"])).overview.requests).toBe(1);
  }, 60_000);

  test("--ip, --since/--until, --status, --path-prefix, --method without their variable in the format: usage errors", async () => {
    const file = join(dir, "no-fields.log");
    writeFileSync(file, "example.com 12\n");
    for (const [flag, value, needs] of [
      ["--ip", "10.0.0.1", "$remote_addr"],
      ["--since", "2h", "$time_local"],
      ["--until", "2026-11-26T10:00:00Z", "$time_local"],
      ["--status", "5xx", "$status"],
      ["--path-prefix", "/api", "$request"],
      ["--method", "POST", "$request"],
    ] as const) {
      const result = await nginxlog([file, "--format", "$host $body_bytes_sent", flag, value]);
      expect({ flag, exitCode: result.exitCode }).toEqual({ flag, exitCode: 2 });
      expect(result.stderr).toContain(`${flag}: the log format has no ${needs}`);
      expect(result.stderr).toContain("(fields: host, body_bytes_sent)");
      expect(result.stdout).toBe("");
    }
    // The variables each filter can also use: $msec, $request_method, $request_uri.
    const own = join(dir, "own-fields.log");
    writeFileSync(
      own,
      "10.0.0.1 1780000000.000 GET /api/a 200\n10.0.0.2 1780000060.000 POST /web 503\n",
    );
    const format = ["--format", "$remote_addr $msec $request_method $request_uri $status"];
    const count = async (...args: string[]) =>
      (await report([own, ...format, ...args])).overview.requests;
    expect(await count("--ip", "10.0.0.2")).toBe(1);
    expect(await count("--since", "1780000030")).toBe(1);
    expect(await count("--status", "5xx")).toBe(1);
    expect(await count("--path-prefix", "/api")).toBe(1);
    expect(await count("--method", "GET")).toBe(1);
  }, 60_000);

  test("nothing matches the format: exit 1 with a hint", async () => {
    const other = join(dir, "other.log");
    writeFileSync(other, "a b c\nd e f\n");
    const result = await nginxlog([other]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("none of 2 lines matched the log format");
  }, 60_000);

  test("merge of two state files equals one run over both files", async () => {
    const a = join(dir, "a.log");
    const b = join(dir, "b.log");
    let textA = "";
    let textB = "";
    for (let i = 0; i < 3000; i++)
      textA += line(
        i,
        i % 11 === 0 ? 503 : 200,
        `10.9.${i % 300}.${i % 13}`,
        `/a/${i % 97}?q=${i}`,
      );
    for (let i = 0; i < 2000; i++)
      textB += line(i, i % 7 === 0 ? 404 : 200, `10.9.${i % 200}.${i % 13}`, `/b/${i % 53}`);
    writeFileSync(a, textA);
    writeFileSync(b, textB);
    const stateA = join(dir, "a.state");
    const stateB = join(dir, "b.state");
    expect((await nginxlog([a, "--state", stateA])).exitCode).toBe(0);
    expect((await nginxlog([b, "--state", stateB])).exitCode).toBe(0);
    const merged = await report(["merge", stateA, stateB, "--top", "50"]);
    const once = await report([a, b, "--top", "50"]);
    expect(merged.overview).toEqual({ ...once.overview, sources: merged.overview.sources });
    for (const name of ["status", "methods", "top-ips", "top-paths", "top-errors", "timeline"])
      expect(merged.tables.find((t) => t.name === name)).toEqual(
        once.tables.find((t) => t.name === name),
      );
    // The same state given twice (by another name too) is merged once, with a warning.
    const twice = await nginxlog(["merge", stateA, stateB, `${dir}/./a.state`, "--json"]);
    expect(twice.exitCode).toBe(0);
    expect(JSON.parse(twice.stdout).overview.requests).toBe(5000);
    expect(twice.stderr).toContain(`merge: ${dir}/./a.state: the same file as ${stateA}`);
  }, 60_000);

  test("merge: a state file that is missing or not a state is exit 1 naming it; the others still merge", async () => {
    const file = join(dir, "merge-one.log");
    writeFileSync(file, lines(0, 7));
    const good = join(dir, "merge-one.state");
    expect((await nginxlog([file, "--state", good])).exitCode).toBe(0);
    const missing = join(dir, "merge-missing.state");
    const corrupt = join(dir, "merge-corrupt.state");
    writeFileSync(corrupt, '{"version":');
    const result = await nginxlog(["merge", missing, good, corrupt, "--json"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`${missing}: no such file`);
    expect(result.stderr).toContain(`${corrupt}: not an nginxlog state file`);
    expect(JSON.parse(result.stdout).overview.requests).toBe(7);
    const none = await nginxlog(["merge", missing]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain(`${missing}: no such file`);
    // Giving no state file at all stays a usage error.
    expect((await nginxlog(["merge"])).exitCode).toBe(2);
    // Flags that read or filter log lines cannot apply to summaries: said, not silently ignored.
    const filtered = await nginxlog(["merge", good, "--status", "5xx", "--export", "x.ndjson"]);
    expect(filtered.exitCode).toBe(2);
    expect(filtered.stderr).toContain("merge: --export, --status read or filter log lines");
    expect((await nginxlog(["merge", good, "--follow"])).exitCode).toBe(2);
  }, 60_000);

  test("merge: a state of another version says so; a JSON that only looks like a state is refused, not a crash", async () => {
    const file = join(dir, "merge-shape.log");
    writeFileSync(file, lines(0, 7));
    const good = join(dir, "merge-shape.state");
    expect((await nginxlog([file, "--state", good])).exitCode).toBe(0);
    const newer = join(dir, "merge-newer.state");
    writeFileSync(newer, JSON.stringify({ ...JSON.parse(readFileSync(good, "utf8")), version: 2 }));
    const hollow = join(dir, "merge-hollow.state");
    writeFileSync(hollow, '{"version":1,"requests":3}');
    const result = await nginxlog(["merge", good, newer, hollow, "--json"]);
    expect(result.stderr).toContain(
      `${newer}: state file version 2; this nginxlog reads version 1`,
    );
    expect(result.stderr).toContain(`${hollow}: not an nginxlog state file`);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).overview.requests).toBe(7);
  }, 60_000);

  test("merge: a state whose parts inside are missing or of the wrong kind is refused naming it, not a crash", async () => {
    const file = join(dir, "merge-inner.log");
    writeFileSync(file, lines(0, 7));
    const good = join(dir, "merge-inner.state");
    expect((await nginxlog([file, "--state", good])).exitCode).toBe(0);
    const state = JSON.parse(readFileSync(good, "utf8"));
    const broken = {
      top: { ...state, top: {} },
      distinct: { ...state, distinct: {} },
      latency: { ...state, latency: { request: state.latency.request } },
      sketch: { ...state, latency: { ...state.latency, request: { all: null, byClass: {} } } },
      pathLatency: { ...state, pathLatency: { top: state.pathLatency.top } },
    };
    for (const [part, value] of Object.entries(broken)) {
      const path = join(dir, `merge-inner-${part}.state`);
      writeFileSync(path, JSON.stringify(value));
      // Alone (read by the report) and after a good one (read by the merge).
      for (const args of [[path], [good, path]]) {
        const result = await nginxlog(["merge", ...args, "--json"]);
        expect(result.stderr).toContain(`${path}: not an nginxlog state file`);
        expect(result.exitCode).toBe(1);
      }
    }
  }, 60_000);

  test("merge --state saves the merged summary (daily states rolled up into a week's)", async () => {
    const monday = join(dir, "roll-mon.log");
    const tuesday = join(dir, "roll-tue.log");
    writeFileSync(monday, lines(0, 5));
    writeFileSync(tuesday, lines(5, 8));
    const states = [`${monday}.state`, `${tuesday}.state`];
    expect((await nginxlog([monday, "--state", states[0] as string])).exitCode).toBe(0);
    expect((await nginxlog([tuesday, "--state", states[1] as string])).exitCode).toBe(0);
    const week = join(dir, "roll-week.state");
    const merged = await nginxlog(["merge", ...states, "--state", week, "--json"]);
    expect(merged.exitCode).toBe(0);
    expect(existsSync(week)).toBe(true);
    const rolledUp = await report(["merge", week]);
    expect(rolledUp.overview).toEqual(JSON.parse(merged.stdout).overview);
    expect(rolledUp.overview.requests).toBe(8);
  }, 60_000);

  test("the timeline stays within 1440 buckets over several files and merged states, as over one file", async () => {
    // Two days of one request a minute, a day per file (a rotated set): 2 x 1000 minutes.
    const minuteLine = (t: number) => {
      const d = new Date(t * 1000);
      const month = d.toUTCString().slice(8, 11);
      const two = (n: number) => String(n).padStart(2, "0");
      return `10.0.0.1 - - [${two(d.getUTCDate())}/${month}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:00 +0000] "GET / HTTP/1.1" 200 1 "-" "curl/8"\n`;
    };
    const day = (start: number) =>
      Array.from({ length: 1000 }, (_, i) => minuteLine(start + i * 60)).join("");
    const first = join(dir, "days.log.1");
    const second = join(dir, "days.log");
    const both = join(dir, "days-both.log");
    writeFileSync(first, day(1_780_000_020));
    writeFileSync(second, day(1_780_086_420));
    writeFileSync(both, day(1_780_000_020) + day(1_780_086_420));
    const timeline = (r: Awaited<ReturnType<typeof report>>) =>
      r.tables.find((t) => t.name === "timeline")?.rows;
    const once = await report([both]);
    expect(once.overview.bucketSeconds).toBe(120);
    const twoFiles = await report([first, second]);
    expect(twoFiles.overview.bucketSeconds).toBe(120);
    expect(timeline(twoFiles)).toEqual(timeline(once));
    const stateFirst = join(dir, "days1.state");
    const stateSecond = join(dir, "days2.state");
    expect((await nginxlog([first, "--state", stateFirst])).exitCode).toBe(0);
    expect((await nginxlog([second, "--state", stateSecond])).exitCode).toBe(0);
    const merged = await report(["merge", stateFirst, stateSecond]);
    expect(timeline(merged)).toEqual(timeline(once));
    // A width given with --bucket is kept, as it is over one file.
    const fixed = await report([first, second, "--bucket", "1m"]);
    expect(fixed.overview.bucketSeconds).toBe(60);
    expect(timeline(fixed)?.length).toBe(2000);
  }, 60_000);

  test("a --bucket width that would give more than 11000 buckets is doubled until it fits, with a warning", async () => {
    // 12000 seconds with a request each: --bucket 1s would hold 12000 buckets (8 KB each, unbounded).
    const secondLine = (t: number) => {
      const d = new Date(t * 1000);
      const two = (n: number) => String(n).padStart(2, "0");
      return `10.0.0.1 - - [${two(d.getUTCDate())}/${d.toUTCString().slice(8, 11)}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000] "GET / HTTP/1.1" 200 1 "-" "curl/8"\n`;
    };
    const span = (start: number, n: number) =>
      Array.from({ length: n }, (_, i) => secondLine(start + i)).join("");
    const start = 1_780_000_000;
    const whole = join(dir, "seconds.log");
    writeFileSync(whole, span(start, 12000));
    const run = await nginxlog([whole, "--bucket", "1s", "--json"]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain("--bucket 1s: more than 11000 buckets");
    expect(run.stderr).toContain("widened to 2s");
    const once = JSON.parse(run.stdout) as Awaited<ReturnType<typeof report>>;
    const timeline = (r: typeof once) => r.tables.find((t) => t.name === "timeline")?.rows ?? [];
    expect(once.overview.bucketSeconds).toBe(2);
    expect(timeline(once).length).toBe(6000);
    expect(timeline(once).every((row) => row[1] === 2)).toBe(true);
    // Two halves that each fit: their merged states are widened the same way.
    const halves = [join(dir, "seconds-1.log"), join(dir, "seconds-2.log")];
    writeFileSync(halves[0] as string, span(start, 6000));
    writeFileSync(halves[1] as string, span(start + 6000, 6000));
    const states = halves.map((file) => `${file}.state`);
    for (const [i, file] of halves.entries())
      expect(
        (await nginxlog([file, "--bucket", "1s", "--state", states[i] as string])).exitCode,
      ).toBe(0);
    const merged = await report(["merge", ...states]);
    expect(merged.overview.bucketSeconds).toBe(2);
    expect(timeline(merged)).toEqual(timeline(once));
  }, 60_000);

  test("Workers over byte ranges give the same report as one thread", async () => {
    const big = join(dir, "big.log");
    const chunk: string[] = [];
    for (let i = 0; i < 20000; i++)
      chunk.push(line(i, i % 9 === 0 ? 500 : 200, `10.8.${i % 250}.${i % 3}`, `/w/${i % 400}`));
    const text = chunk.join("");
    // ~70 MB, split with --min-range 32M (the default 128M would keep it on one thread), so
    // threads take it in 4 MiB pieces; a bad line after every 1.75 MB lands in most pieces.
    writeFileSync(big, "");
    for (let i = 0; i < 40; i++) appendFileSync(big, `${text}garbage ${i}\n`);
    const single = await report([big, "--threads", "1", "--top", "20", "--show-bad", "50"]);
    // Two threads, JSON report, and the debug log that says how many ranges each source took.
    const parallelArgs = [
      "--threads",
      "2",
      "--min-range",
      "32M",
      "--top",
      "20",
      "--show-bad",
      "50",
      "--json",
      "--log-level",
      "debug",
      "--log-format",
      "json",
    ];
    const run = await nginxlog([big, ...parallelArgs]);
    expect(run.exitCode).toBe(0);
    // The compiled binary really split the file over a Worker (self-spawned entry), in pieces.
    expect(run.stderr).toMatch(/"msg":"source analysed".*"ranges":2,"pieces":17/);
    const parallel = JSON.parse(run.stdout) as typeof single;
    expect(parallel.overview.requests).toBe(800000);
    expect(parallel.overview).toEqual(single.overview);
    for (const name of ["status", "top-ips", "top-paths", "timeline"])
      expect(parallel.tables.find((t) => t.name === name)).toEqual(
        single.tables.find((t) => t.name === name),
      );
    // Bad lines keep their real line numbers and file order across pieces and threads.
    expect(single.badExamples.map((bad) => [bad.line, bad.text])).toEqual(
      Array.from({ length: 40 }, (_, i) => [(i + 1) * 20001, `garbage ${i}`]),
    );
    expect(parallel.badExamples).toEqual(single.badExamples);

    // Two big files in one run: the second file's range goes to the first one's Worker again.
    // (A copy: the same file given twice is read once.)
    const copy = `${big}.copy`;
    copyFileSync(big, copy);
    const twice = await nginxlog([big, copy, ...parallelArgs]);
    expect(twice.exitCode).toBe(0);
    expect(twice.stderr.match(/"msg":"source analysed"[^\n]*"ranges":2/g)?.length).toBe(2);
    const both = JSON.parse(twice.stdout) as typeof single;
    const bothSingle = await report([big, copy, "--threads", "1", "--top", "20"]);
    expect(both.overview.requests).toBe(1600000);
    for (const name of ["status", "top-ips", "top-paths", "timeline"])
      expect(both.tables.find((t) => t.name === name)).toEqual(
        bothSingle.tables.find((t) => t.name === name),
      );
  }, 90_000);

  test("--follow across a real nginx log rotation and a truncation", async () => {
    const nginx = await startNginx("follow");
    const bin = await compiledTool("nginxlog");
    const get = async (path: string, n: number) => {
      for (let i = 0; i < n; i++) await fetch(`${nginx.url}${path}`);
    };
    // 15 s: on a loaded machine (the whole suite on 2 cores) 4 s was not always enough.
    const waitLines = async (file: string, n: number) => {
      for (let i = 0; i < 750; i++) {
        const count = readFileSync(file, "latin1").split("\n").filter(Boolean).length;
        if (count >= n) return;
        await Bun.sleep(20);
      }
      throw new Error(`${file} never reached ${n} lines`);
    };
    await get("/before", 5);
    await waitLines(nginx.logs.timed, 6);
    const proc = Bun.spawn(
      [
        bin,
        "--follow",
        nginx.logs.timed,
        "--nginx-conf",
        nginx.confPath,
        "--format-name",
        "timed",
        "--json",
        "--top",
        "50",
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    // A failure below must not leave the follower running after the suite.
    const stopFollower = setTimeout(() => proc.kill("SIGKILL"), 110_000);
    try {
      await Bun.sleep(700);
      await get("/during", 4);
      await Bun.sleep(700);
      renameSync(nginx.logs.timed, `${nginx.logs.timed}.1`);
      await get("/old-file", 3); // still written to the renamed file until nginx reopens
      await nginx.reopenLogs();
      await get("/after", 6);
      await waitLines(nginx.logs.timed, 6);
      await Bun.sleep(700);
      truncateSync(nginx.logs.timed, 0);
      await Bun.sleep(700);
      await get("/truncated", 2);
      await waitLines(nginx.logs.timed, 2);
      await Bun.sleep(700);
    } catch (error) {
      proc.kill("SIGKILL");
      throw error;
    } finally {
      clearTimeout(stopFollower);
    }
    proc.kill("SIGTERM");
    const [code, stdout, stderr] = await Promise.all([
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    expect(code).toBe(0); // SIGTERM is a clean stop; the report is still printed
    const result = JSON.parse(stdout);
    const paths = Object.fromEntries(
      (
        result.tables.find((t: { name: string }) => t.name === "top-paths").rows as [
          string,
          number,
        ][]
      ).map((r) => [r[0], r[1]]),
    );
    expect(paths).toEqual({
      "/ready": 1,
      "/before": 5,
      "/during": 4,
      "/old-file": 3,
      "/after": 6,
      "/truncated": 2,
    });
    expect(stderr).toContain("rotated");
    expect(stderr).toContain("truncated");
  }, 120_000);
});
