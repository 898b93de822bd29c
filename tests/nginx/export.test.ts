/**
 * --export: Parquet with typed columns and bounded row groups (read back with hyparquet, the
 * reader hyparquet-writer is tested against), NDJSON, and --csv of a table.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { tableNames } from "../../lib/nginx/report.ts";
import { tempDir } from "../env/service.ts";
import { compiledTool } from "../helpers/compiled.ts";
import { compileOnce, nginxlog } from "./helpers.ts";

// Compiling the binary can take a while on a busy machine: not inside a test's 5 s.
beforeAll(compileOnce, 180_000);

const dir = tempDir("nginxlog-export");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logPath = join(dir, "access.log");
let log = "";
for (let i = 0; i < 250; i++) {
  const upstream =
    i % 50 === 0 ? "0.001, 0.004" : i % 10 === 0 ? "-" : `0.${String(i).padStart(3, "0")}`;
  log += `10.3.0.${i % 5} - - [26/Nov/2026:08:00:${String(i % 60).padStart(2, "0")} +0000] "GET /e/${i}?k=${i % 3} HTTP/1.1" ${i % 4 === 0 ? 404 : 200} ${i} "-" "caf\\xC3\\xA9" 0.${String(i).padStart(3, "0")} ${upstream}\n`;
}
log += "not a log line\n";
writeFileSync(logPath, log);

test("Parquet: typed columns, every parsed record, row groups bounded by --row-group", async () => {
  const out = join(dir, "records.parquet");
  const result = await nginxlog([
    logPath,
    "--format",
    "timed",
    "--export",
    out,
    "--row-group",
    "100",
    "--json",
  ]);
  expect(result.exitCode).toBe(0);
  const bytes = readFileSync(out);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const metadata = parquetMetadata(buffer);
  expect(Number(metadata.num_rows)).toBe(250);
  expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([100, 100, 50]);
  const types = Object.fromEntries(metadata.schema.slice(1).map((s) => [s.name, s.type]));
  expect(types).toMatchObject({
    time: "INT64",
    status: "INT64",
    body_bytes_sent: "INT64",
    request_time: "DOUBLE",
    upstream_response_time: "DOUBLE",
    path: "BYTE_ARRAY",
    remote_addr: "BYTE_ARRAY",
  });
  const rows = (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
  expect(rows.length).toBe(250);
  const first = rows[0] as Record<string, unknown>;
  expect(first.path).toBe("/e/0");
  expect(first.query).toBe("k=0");
  expect(first.method).toBe("GET");
  expect(Number(first.status)).toBe(404);
  expect(first.http_user_agent).toBe("café");
  expect(first.upstream_response_time).toBeCloseTo(0.005, 6); // "0.001, 0.004" summed
  expect((first.time as Date).toISOString()).toBe("2026-11-26T08:00:00.000Z");
  expect(rows[10]?.upstream_response_time).toBeNull(); // "-"
  expect(rows[249]?.request_time).toBeCloseTo(0.249, 6);
}, 60_000);

test("NDJSON export and --csv of a table", async () => {
  const out = join(dir, "records.ndjson");
  const result = await nginxlog([
    logPath,
    "--format",
    "timed",
    "--export",
    out,
    "--status",
    "404",
    "--json",
  ]);
  expect(result.exitCode).toBe(0);
  const records = readFileSync(out, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(records.length).toBe(63);
  expect(records.every((r) => r.status === 404)).toBe(true);
  const csv = await nginxlog([logPath, "--format", "timed", "--csv", "status"]);
  expect(csv.stdout).toBe("status,requests,percent\n200,187,74.8\n404,63,25.2\n");
  const unknown = await nginxlog([logPath, "--format", "timed", "--csv", "nope"]);
  expect(unknown.exitCode).toBe(2);
  expect(unknown.stderr).toContain("--csv nope: no such table");
}, 60_000);

test("--export /dev/stdout is stdout: the records alone, no report after them", async () => {
  const piped = await nginxlog([
    logPath,
    "--format",
    "timed",
    "--export",
    "/dev/stdout",
    "--status",
    "404",
    "--json",
  ]);
  expect(piped.exitCode).toBe(0);
  const records = piped.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(records.length).toBe(63);
  expect(records.every((r) => r.status === 404)).toBe(true);
}, 60_000);

test("an unknown --csv table is refused before the analysis: no state, HTML or export written", async () => {
  const state = join(dir, "refused.state");
  const html = join(dir, "refused.html");
  const records = join(dir, "refused.ndjson");
  const args = ["--state", state, "--html", html, "--export", records];
  const result = await nginxlog([logPath, "--format", "timed", "--csv", "top-ip", ...args]);
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toContain("--csv top-ip: no such table");
  expect(result.stderr).toContain("top-ips");
  for (const file of [state, html, records]) expect(existsSync(file)).toBe(false);
  // A table the format cannot have (no $request_time in combined) is still refused after it.
  const absent = await nginxlog([logPath, "--csv", "request-time"]);
  expect(absent.exitCode).toBe(2);
  expect(absent.stderr).toContain("--csv request-time: no such table");
  // The list checked up front is the tables a report with every variable has.
  const full = await nginxlog([logPath, "--format", "timed", "--json"]);
  const names = (JSON.parse(full.stdout) as { tables: { name: string }[] }).tables.map(
    (t) => t.name,
  );
  expect(names.sort()).toEqual([...tableNames].sort());
}, 60_000);

test("Parquet: an integer past INT64 (a corrupt or hostile line) is a null cell, not a failed export", async () => {
  const huge = join(dir, "huge.log");
  writeFileSync(
    huge,
    [
      '10.0.0.1 - - [26/Nov/2026:08:00:00 +0000] "GET /a HTTP/1.1" 200 99999999999999999999999 "-" "ua"',
      '10.0.0.2 - - [26/Nov/2026:08:00:01 +0000] "GET /b HTTP/1.1" 200 9223372036854775807 "-" "ua"',
      '10.0.0.3 - - [26/Nov/2026:08:00:02 +0000] "GET /c HTTP/1.1" 200 - "-" "ua"',
      "",
    ].join("\n"),
  );
  const out = join(dir, "huge.parquet");
  const result = await nginxlog([huge, "--export", out, "--json"]);
  expect(result.stderr).not.toContain("out of range");
  expect(result.exitCode).toBe(0);
  const bytes = readFileSync(out);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const rows = (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
  expect(rows.map((r) => [r.path, r.body_bytes_sent])).toEqual([
    ["/a", null],
    ["/b", 9223372036854775807n],
    ["/c", null],
  ]);
}, 60_000);

test("an output that cannot be written (disk full) is named with its flag, never blamed on the log", async () => {
  // Over 1 MiB of NDJSON, so the export writes during the analysis, not only at the end.
  const many = join(dir, "many.log");
  let text = "";
  for (let i = 0; i < 6000; i++)
    text += `10.0.0.1 - - [26/Nov/2026:08:00:00 +0000] "GET /many/${i} HTTP/1.1" 200 1 "-" "ua"\n`;
  writeFileSync(many, text);
  const exported = await nginxlog([many, "--export", "/dev/full", "--json"]);
  expect(exported.exitCode).toBe(1);
  expect(exported.stderr).not.toContain(`${many}: ENOSPC`);
  expect(exported.stderr).toContain("--export /dev/full: cannot write:");
  expect(exported.stderr).toContain("no more records are exported");
  for (const flag of ["--state", "--html"]) {
    const result = await nginxlog([many, flag, "/dev/full", "--json"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`${flag} /dev/full: cannot write:`);
    expect(result.stderr).toContain("no space left on device");
  }
}, 60_000);

test("an export cut short by a full disk is an error, never a silently truncated file (exit 1)", async () => {
  // tmpfs of 64 KiB: the NDJSON of this log (~100 KiB) is written at the end, in one call that
  // the kernel answers with a short count before it answers ENOSPC.
  const small = join(dir, "small-fs");
  Bun.spawnSync(["mkdir", "-p", small]);
  expect(Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", small]).exitCode).toBe(
    0,
  );
  try {
    const few = join(dir, "few.log");
    let text = "";
    for (let i = 0; i < 900; i++)
      text += `10.0.0.1 - - [26/Nov/2026:08:00:00 +0000] "GET /few/${i} HTTP/1.1" 200 1 "-" "ua"\n`;
    writeFileSync(few, text);
    const out = join(small, "records.ndjson");
    const result = await nginxlog([few, "--export", out, "--json"]);
    expect(result.stderr).toContain(`--export ${out}: cannot write:`);
    expect(result.exitCode).toBe(1);
  } finally {
    Bun.spawnSync(["umount", "-l", small]);
  }
}, 60_000);

test("--export - | head: the reader gone stops the analysis quietly (exit 0), as ffind | head does", async () => {
  // 60000 lines (~20 MB of NDJSON): far more than the pipe, the export's 1 MiB buffer and the
  // reader's 1 MiB block hold, so nginxlog meets the closed pipe long before the end of the log.
  const many = join(dir, "many.log");
  const line = `10.0.0.1 - - [26/Nov/2026:08:00:00 +0000] "GET /many HTTP/1.1" 200 1 "-" "ua"\n`;
  writeFileSync(many, line.repeat(60_000));
  const bin = await compiledTool("nginxlog");
  const errors = join(dir, "piped.err");
  const prom = join(dir, "piped.prom");
  const piped = Bun.spawnSync(
    [
      "bash",
      "-c",
      '"$@" 2>"$NGINXLOG_ERR" | head -1 >/dev/null; echo "$PIPESTATUS"', // nginxlog's exit code
      "nginxlog",
      bin,
      many,
      "--export",
      "-",
      "--metrics-textfile",
      prom,
      "--log-level",
      "warn",
    ],
    { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, NGINXLOG_ERR: errors } },
  );
  expect(readFileSync(errors, "utf8")).not.toContain("cannot write");
  expect(piped.stdout.toString()).toBe("0\n");
  const requests = Number(
    /^opsctl_items_processed_total\{[^}]*\} (\d+)$/m.exec(readFileSync(prom, "utf8"))?.[1],
  );
  expect(requests).toBeLessThan(60_000 / 2);
}, 60_000);

test("--export - to a full disk (> /dev/full) is the export's error, named, not a crash at exit", async () => {
  // Three records: far less than the tool's stdout buffer, so nothing is written before the end.
  const three = join(dir, "three.log");
  const line = `10.0.0.1 - - [26/Nov/2026:08:00:00 +0000] "GET /three HTTP/1.1" 200 1 "-" "ua"\n`;
  writeFileSync(three, line.repeat(3));
  const bin = await compiledTool("nginxlog");
  const full = Bun.spawnSync([
    "bash",
    "-c",
    '"$@" >/dev/full',
    "nginxlog",
    bin,
    three,
    "--export",
    "-",
  ]);
  const stderr = full.stderr.toString();
  expect(stderr).toContain("--export -: cannot write: ENOSPC");
  expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
  expect(full.exitCode).toBe(1);
}, 60_000);
