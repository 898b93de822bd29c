/**
 * followFile's errors name the path and the reason before any polling starts; a file that does
 * not exist yet is waited for, as tail -F does, and followed once it appears.
 */
import { beforeAll, expect, test } from "bun:test";
import { getEventListeners } from "node:events";
import { appendFileSync, chmodSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Analyzer } from "../../lib/nginx/analyzer.ts";
import { followFile } from "../../lib/nginx/follow.ts";
import { resolveFormat } from "../../lib/nginx/format.ts";
import { asNobody, publicCopy, tempDir } from "../fs/tree.ts";
import { compiledTool } from "../helpers/compiled.ts";
import { compileOnce } from "./helpers.ts";

// Compiling the binary can take a while on a busy machine: not inside a test's 5 s.
beforeAll(compileOnce, 180_000);

const follow = (path: string, events: string[] = []) =>
  followFile({
    path,
    analyzer: new Analyzer({ format: resolveFormat("combined") }),
    signal: AbortSignal.timeout(600),
    pollMs: 50,
    onEvent: (event) => events.push(event),
  });

const line = (i: number) =>
  `10.0.0.${i % 3} - - [26/Nov/2026:10:00:00 +0000] "GET /f/${i} HTTP/1.1" 200 5 "-" "curl/8"\n`;

test("--follow of a directory: an error naming the path and the reason", async () => {
  const dir = join(tempDir("nginxlog-follow"), "logs");
  mkdirSync(dir);
  await expect(follow(dir)).rejects.toThrow(`${dir}: is a directory`);
});

test("--follow of a file that does not exist yet waits for it (says so once) instead of failing", async () => {
  const events: string[] = [];
  const path = join(tempDir("nginxlog-follow"), "nope.log");
  await follow(path, events);
  expect(events).toEqual(["waiting"]);
});

/** Reads a child's stderr into `seen.text` until it contains `text`. */
async function readUntil(
  reader: { read(): Promise<{ value?: Uint8Array; done: boolean }> },
  seen: { text: string },
  text: string,
): Promise<void> {
  const decoder = new TextDecoder();
  while (!seen.text.includes(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stderr ended without "${text}": ${seen.text}`);
    seen.text += decoder.decode(value, { stream: true });
  }
}

test("compiled: --follow of a missing path waits, then counts the lines of the file once it appears", async () => {
  const path = join(tempDir("nginxlog-follow"), "access.log");
  const bin = await compiledTool("nginxlog");
  const proc = Bun.spawn([bin, "--follow", path, "--json", "--log-format", "json"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const stderr = proc.stderr.getReader();
  const seen = { text: "" };
  await readUntil(stderr, seen, "waiting");
  writeFileSync(path, line(0) + line(1) + line(2));
  await readUntil(stderr, seen, "appeared");
  appendFileSync(path, line(3) + line(4));
  proc.kill("SIGTERM");
  const [code, stdout] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
  for (;;) {
    const { value, done } = await stderr.read();
    if (done) break;
    seen.text += new TextDecoder().decode(value);
  }
  expect(code).toBe(0);
  expect(JSON.parse(stdout).overview.requests).toBe(5);
  expect(seen.text.match(/waiting/g)?.length).toBe(1);
  expect(seen.text).toContain(path);
}, 60_000);

test("--follow: lines nginx writes to the renamed file before it reopens its log (logrotate's create, then USR1) still count", async () => {
  const path = join(tempDir("nginxlog-follow"), "access.log");
  writeFileSync(path, line(0));
  const analyzer = new Analyzer({ format: resolveFormat("combined") });
  const stop = new AbortController();
  let switched = () => {};
  const rotated = new Promise<void>((resolve) => {
    switched = resolve;
  });
  const following = followFile({
    path,
    analyzer,
    signal: stop.signal,
    pollMs: 20,
    onEvent: (event) => event === "rotated" && switched(),
  });
  // logrotate: rename, then create an empty file; nginx writes to the old one until USR1.
  renameSync(path, `${path}.1`);
  writeFileSync(path, "");
  await rotated;
  appendFileSync(`${path}.1`, line(1) + line(2));
  appendFileSync(path, line(3));
  stop.abort();
  await following;
  expect(analyzer.requests).toBe(4);
});

test("compiled, as an unprivileged user: a log rotated in unreadable is waited for (said once), then counted", async () => {
  // Root reads every file: the follower runs as nobody, the rotation as root (logrotate's create
  // with modes the reader gets only once a postrotate chmod runs).
  const dir = tempDir("nginxlog-follow-denied"); // world-traversable, for nobody
  const bin = publicCopy(await compiledTool("nginxlog"), dir);
  const path = join(dir, "access.log");
  writeFileSync(path, line(0) + line(1));
  chmodSync(path, 0o644);
  const proc = Bun.spawn(asNobody([bin, "--follow", path, "--json"]), {
    stdout: "pipe",
    stderr: "pipe",
  });
  const stderr = proc.stderr.getReader();
  const seen = { text: "" };
  await Bun.sleep(300); // two polls: the first lines are read
  renameSync(path, `${path}.1`);
  writeFileSync(path, line(2), { mode: 0o600 });
  await readUntil(stderr, seen, "permission denied; waiting until it can be read");
  await Bun.sleep(600); // several polls while it cannot be read: said once
  chmodSync(path, 0o644);
  await readUntil(stderr, seen, "appeared");
  appendFileSync(path, line(3));
  await Bun.sleep(600);
  proc.kill("SIGTERM");
  const [code, stdout] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
  expect(code).toBe(0);
  expect(JSON.parse(stdout).overview.requests).toBe(4);
  expect(seen.text.match(/permission denied/g)?.length).toBe(1);
}, 60_000);

test("--follow: the wait between polls leaves no abort listener behind (one per poll piled up for as long as it ran)", async () => {
  const path = join(tempDir("nginxlog-follow"), "access.log");
  writeFileSync(path, line(0));
  const stop = new AbortController();
  const following = followFile({
    path,
    analyzer: new Analyzer({ format: resolveFormat("combined") }),
    signal: stop.signal,
    pollMs: 1,
  });
  await Bun.sleep(300); // many polls
  const listeners = getEventListeners(stop.signal, "abort").length;
  stop.abort();
  await following;
  expect(listeners).toBeLessThanOrEqual(1);
});

test("--follow of a named pipe (<(ssh web1 tail -F access.log)) reads it as a stream to its end, not a crash on seek", async () => {
  const fifo = join(tempDir("nginxlog-follow"), "access.fifo");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  // The writer opens the pipe beside us; the follower's open waits for it.
  const writer = Bun.spawn(["sh", "-c", `printf '%s' "$0" > "$1"`, line(0) + line(1), fifo]);
  const analyzer = new Analyzer({ format: resolveFormat("combined") });
  await followFile({ path: fifo, analyzer, signal: AbortSignal.timeout(10_000), pollMs: 20 });
  await writer.exited;
  expect(analyzer.requests).toBe(2);
  expect(analyzer.bad).toBe(0);
});
