/**
 * nginxlog's WebAssembly engine (lib/nginx/engine: the scan and the top-K tables) against the
 * JavaScript it stands in for: the same log through both must give the same summary, byte for
 * byte, on ordinary lines and on the odd ones (bad status, bad times, list values, JSON escapes,
 * CR, empty lines, a line longer than the read buffer, a last line without "\n", tables far
 * smaller than the keys).
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { Analyzer } from "../../lib/nginx/analyzer.ts";
import { wasmLinesScanned } from "../../lib/nginx/engine/scan-engine.ts";
import { compileFormat, type Escape, presets } from "../../lib/nginx/format.ts";
import { LineFeeder } from "../../lib/nginx/reader.ts";
import { compileOnce, nginxlog, timedLines } from "./helpers.ts";

const savedSwitch = process.env.OPSCTL_NGINX_WASM;
afterEach(() => {
  if (savedSwitch === undefined) delete process.env.OPSCTL_NGINX_WASM;
  else process.env.OPSCTL_NGINX_WASM = savedSwitch;
});

/** The summary of `text` analysed in chunks of `chunk` bytes, and how many lines WebAssembly scanned. */
function analyse(
  text: Uint8Array,
  format: string,
  escaping: Escape,
  wasm: boolean,
  topCapacity: number,
  bufferSize?: number,
  bucketSeconds?: number,
  chunk = 65536,
) {
  process.env.OPSCTL_NGINX_WASM = wasm ? "1" : "0";
  const analyzer = new Analyzer({
    format: compileFormat(format, escaping),
    badExampleLimit: 50,
    topCapacity,
    ...(bucketSeconds ? { bucketSeconds } : {}),
  });
  const before = wasmLinesScanned();
  const feeder = new LineFeeder(analyzer, 1, bufferSize);
  for (let at = 0; at < text.length; at += chunk) feeder.push(text.subarray(at, at + chunk));
  feeder.finish();
  return {
    json: JSON.stringify(analyzer.summary(["test"])),
    wasmLines: wasmLinesScanned() - before,
  };
}

function expectSameSummary(
  text: string | Uint8Array,
  format: string,
  escaping: Escape = "default",
  topCapacity = 1024,
  bufferSize?: number,
  bucketSeconds?: number,
) {
  const bytes = typeof text === "string" ? Buffer.from(text, "latin1") : text;
  const js = analyse(bytes, format, escaping, false, topCapacity, bufferSize, bucketSeconds);
  const wasm = analyse(bytes, format, escaping, true, topCapacity, bufferSize, bucketSeconds);
  expect(js.wasmLines).toBe(0);
  expect(wasm.wasmLines).toBeGreaterThan(0);
  expect(wasm.json).toBe(js.json);
  const summary = JSON.parse(wasm.json) as {
    lines: number;
    bad: number;
    requests: number;
    bytes: number;
    bucketSeconds: number;
    methods: Record<string, number>;
    protocols: Record<string, number>;
  };
  return { ...summary, wasmLines: wasm.wasmLines };
}

describe("the WebAssembly scanner counts exactly what the JavaScript scanner counts", () => {
  test("generated timed log: 20000 lines, many unique paths, lists, 1xx-5xx, three zones", () => {
    const text = `${timedLines(20000, 42).join("\n")}\n`;
    const summary = expectSameSummary(text, presets.timed as string);
    expect(summary.lines).toBe(20000);
    expect(summary.bad).toBe(0);
  });

  test("tables far smaller than the keys: every eviction, filter bound and heap move the same", () => {
    const text = `${timedLines(20000, 5).join("\n")}\n`;
    for (const capacity of [1, 7, 64]) {
      const summary = expectSameSummary(text, presets.timed as string, "default", capacity);
      expect(summary.requests).toBe(20000);
    }
  });

  test("keys of every length from 1 to 100 bytes: both hashes agree (each path sets a register of the distinct-path counter)", () => {
    // Hashes take 16-byte blocks in four lanes from 32 bytes on, then words, then bytes: every
    // length crosses a different mix of the three.
    const letters = "abcdefghijklmnopqrstuvwxyz0123456789";
    const lines = [];
    for (let n = 1; n <= 100; n++) {
      const path = `/${Array.from({ length: n - 1 }, (_, i) => letters[(i * 7 + n) % letters.length]).join("")}`;
      const agent = `agent-${"x".repeat(n)}`;
      lines.push(
        `10.0.${n}.1 - - [01/Jan/2026:00:00:${String(n % 60).padStart(2, "0")} +0000] "GET ${path} HTTP/1.1" 200 ${n} "-" "${agent}" 0.001 0.001`,
      );
    }
    const summary = expectSameSummary(
      `${lines.join("\n")}\n`,
      presets.timed as string,
      "default",
      4,
    );
    expect(summary.requests).toBe(100);
  });

  test("a feeder with a read buffer of its own size: its bytes are copied into the engine, same summary", () => {
    const lines = timedLines(3000, 13);
    const long = `9.9.9.9 - - [01/Jan/2026:00:00:00 +0000] "GET /${"b".repeat(20_000)} HTTP/1.1" 200 5 "-" "-" 0.001 -`;
    const text = `${[...lines.slice(0, 10), long, ...lines.slice(10)].join("\n")}\n`;
    const summary = expectSameSummary(text, presets.timed as string, "default", 1024, 4096);
    expect(summary.wasmLines).toBe(3001);
  });

  test("methods and protocols past the 32 kept (long ones, '(other)'), names decoded from escapes", () => {
    const lines = [];
    for (let i = 0; i < 60; i++) {
      const method =
        i % 3 === 0 ? `VERYLONGMETHOD${i}` : i % 3 === 1 ? `M${i}` : `\\x${(i + 16).toString(16)}`;
      const protocol = i % 2 ? `HTTP/${i}.0` : `SOMEPROTOCOL/${i}`;
      for (let n = 0; n <= i % 4; n++)
        lines.push(
          `1.2.3.4 - - [01/Jan/2026:00:00:${String(i % 60).padStart(2, "0")} +0000] "${method} /m HTTP/1.1" 200 1 "-" "-" 0.001 -`.replace(
            "HTTP/1.1",
            protocol,
          ),
        );
    }
    lines.push(
      '1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] " /empty-method HTTP/1.1" 200 1 "-" "-" 0.001 -',
    );
    const summary = expectSameSummary(`${lines.join("\n")}\n`, presets.timed as string);
    expect(summary.requests).toBe(lines.length);
    expect(Object.keys(summary.methods)).toContain("(other)");
    expect(Object.keys(summary.methods)).toContain("VERYLONGMETHOD0");
    expect(Object.keys(summary.methods)).toContain("-");
    expect(Object.keys(summary.protocols)).toContain("(other)");
  });

  test("a method of 1 to 8 bytes is the same value whatever byte follows it (CRLF, LF, the end of the input)", () => {
    // The engine packs such a value with one 8-byte load and masks off the bytes past it; a
    // byte kept by mistake would make 30 values of 60 and push some into "(other)" (32 kept).
    const methods = [
      ..."ABCDEFGH".split("").map((_, n) => "ABCDEFGH".slice(0, n + 1)),
      ...Array.from({ length: 22 }, (_, i) => `M${String(i).padStart(6, "0")}`),
    ];
    const lines = methods.flatMap((method) => [`200 ${method}\r`, `200 ${method}`]);
    const text = `${lines.join("\n")}\n200 ABCDEFG`;
    const summary = expectSameSummary(text, "$status $request_method");
    expect(summary.requests).toBe(61);
    expect(Object.keys(summary.methods)).toHaveLength(30);
    expect(summary.methods.ABCDEFG).toBe(3);
    expect(summary.methods.M000021).toBe(2);
    expect(summary.methods["(other)"]).toBeUndefined();
  });

  test("a given bucket width: its own limit (11000 buckets) and widening, the same", () => {
    const text = `${timedLines(20000, 21).join("\n")}\n`;
    for (const seconds of [1, 3600]) {
      const summary = expectSameSummary(
        text,
        presets.timed as string,
        "default",
        1024,
        undefined,
        seconds,
      );
      expect(summary.requests).toBe(20000);
      // 28 days of lines: 1 s buckets must widen past 11000; 1 h ones (672) must not.
      if (seconds === 1) expect(summary.bucketSeconds).toBeGreaterThan(1);
      else expect(summary.bucketSeconds).toBe(3600);
    }
  });

  test("two readers on one Analyzer (--follow across a rotation), lines cut mid-way, the memory growing between", () => {
    const run = (wasm: boolean) => {
      process.env.OPSCTL_NGINX_WASM = wasm ? "1" : "0";
      const analyzer = new Analyzer({ format: compileFormat(presets.timed as string, "default") });
      const old = new LineFeeder(analyzer);
      const renamed = new LineFeeder(analyzer);
      const a = Buffer.from(`${timedLines(3000, 31).join("\n")}\n`, "latin1");
      const long = `9.9.9.9 - - [01/Jan/2026:00:00:00 +0000] "GET /${"c".repeat(3_000_000)} HTTP/1.1" 200 5 "-" "-" 0.001 -\n`;
      const b = Buffer.from(
        `${timedLines(1000, 32).join("\n")}\n${long}${timedLines(1000, 33).join("\n")}\n`,
        "latin1",
      );
      // Alternate 7777-byte pieces: each reader holds a cut line while the other one reads.
      for (let at = 0; at < Math.max(a.length, b.length); at += 7777) {
        if (at < a.length) old.push(a.subarray(at, at + 7777));
        if (at < b.length) renamed.push(b.subarray(at, at + 7777));
      }
      old.finish();
      renamed.finish();
      return JSON.stringify(analyzer.summary(["test"]));
    };
    const js = run(false);
    const wasm = run(true);
    expect(wasm).toBe(js);
    expect(JSON.parse(wasm).requests).toBe(5001);
  });

  test("odd lines: bad status, bad times, mismatches, CR, empty lines, no final newline", () => {
    const good = timedLines(50, 7);
    const odd = [
      good[0],
      "",
      `${good[1]}\r`,
      '1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 2x0 5 "-" "-" 0.001 -',
      '1.2.3.4 - - [01/Foo/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "-" 0.001 -',
      '1.2.3.4 - - [01/Jan/2026:00:00:00 -07:0] "GET / HTTP/1.1" 200 5 "-" "-" 0.001 -',
      '1.2.3.4 - - [31/Feb/0050:25:61:61 +9999] "GET / HTTP/1.1" 200 5 "-" "-" 0.001 -',
      '1.2.3.4 - - [00/Dec/9999:00:00:00 -0000] "GET / HTTP/1.1" 599 - "-" "-" - -',
      "not a log line at all",
      '1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "-" 0.001',
      '1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET /a?b HTTP/1.1" 200 18446744073709551616 "-" "-" 1x -',
      '1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET /a?b HTTP/1.1" 200 5 "-" "-" 0.001 0.002 : - , 0.5',
      // Past 65.535 s: the bin comes from log(), not the table.
      '1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET /slow HTTP/1.1" 504 0 "-" "-" 100.000 99999.999',
      '1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET /slow HTTP/1.1" 000 0 "-" "-" 65.536 0.000',
      "\x00\x00\x00\x00",
      ...good.slice(2),
      "\r",
      good[3]?.slice(0, 40) ?? "",
    ].join("\n");
    const summary = expectSameSummary(odd, presets.timed as string);
    // 2x0, Foo, "-07:0", the text, the short line, 000, the NULs, the cut one (hour 25 and Feb 31 are kept, as Date.UTC takes them).
    expect(summary.bad).toBe(8);
  });

  test("byte counts of 1 to 25 digits (the engine takes 9 in an int, the rest in doubles), a bad digit early or late", () => {
    const sizes = Array.from({ length: 25 }, (_, n) => "9876543210".repeat(3).slice(0, n + 1));
    sizes.push("12x", "123456789x", "1234567890123x", "-", "");
    const lines = sizes.map(
      (size) =>
        `1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 ${size} "-" "-" 0.001 -`,
    );
    const summary = expectSameSummary(`${lines.join("\n")}\n`, presets.timed as string);
    expect(summary.requests).toBe(30);
    expect(summary.bytes).toBeGreaterThan(9.8e24);
  });

  test("escape=json format with ISO times, escaped quotes and backslashes", () => {
    const format =
      '{"ip":"$remote_addr","time":"$time_iso8601","request":"$request","status":$status,"bytes":$body_bytes_sent,"agent":"$http_user_agent","rt":$request_time}';
    const lines = [
      '{"ip":"::1","time":"2026-11-27T10:00:00+00:00","request":"GET /a\\"b\\\\c HTTP/1.1","status":200,"bytes":12,"agent":"x \\"y\\" \\u00e9","rt":0.010}',
      '{"ip":"::1","time":"2026-13-40T10:00:00-07:00","request":"GET /q?x=1 HTTP/1.1","status":404,"bytes":0,"agent":"","rt":0.000}',
      '{"ip":"::1","time":"2026-11-27T10:00:00Z","request":"GET / HTTP/1.1","status":200,"bytes":1,"agent":"a","rt":1}',
      '{"ip":"::1","time":"0099-01-01T00:00:00+01:30","request":"-","status":400,"bytes":0,"agent":"-","rt":0.001}',
      '{"ip":"::1","time":"2026-11-27T10:00:00+00:00","request":"GET /trunc',
    ];
    const summary = expectSameSummary(`${lines.join("\n")}\n`, format, "json");
    expect(summary.lines).toBe(5);
  });

  test("separate method/uri/protocol variables and $msec times", () => {
    const format = "$msec $request_method $request_uri $server_protocol $status $bytes_sent";
    const lines = [
      "1700000000.123 GET /x?y=1 HTTP/1.1 200 10",
      "1700000001.999 POST /x HTTP/2.0 201 -",
      ".5 GET / HTTP/1.1 200 1",
      "99999999999999999999.0 GET / HTTP/1.1 200 1",
      "1700000002 DELETE /z HTTP/1.1 500 7",
    ];
    const summary = expectSameSummary(`${lines.join("\n")}\n`, format);
    expect(summary.bad).toBe(1);
  });

  test("a line longer than the read buffer: the buffer grows within the engine's memory, every line scanned there", () => {
    const good = timedLines(200, 3);
    const long = `9.9.9.9 - - [01/Jan/2026:00:00:00 +0000] "GET /${"a".repeat(1_500_000)} HTTP/1.1" 200 5 "-" "-" 0.001 -`;
    const summary = expectSameSummary(
      `${[...good.slice(0, 100), long, ...good.slice(100)].join("\n")}\n`,
      presets.timed as string,
    );
    expect(summary.lines).toBe(201);
    expect(summary.wasmLines).toBe(201);
    expect(summary.bad).toBe(0);
  });
});

describe("the compiled binary", () => {
  beforeAll(compileOnce, 300_000);

  test("scans in WebAssembly by default; OPSCTL_NGINX_WASM=0 and filters take the JavaScript scanner", async () => {
    const { writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const file = join(tmpdir(), "scan-engine.log");
    writeFileSync(file, `${timedLines(3000, 11).join("\n")}\n`);
    const wasmLines = async (args: string[], env: Record<string, string> = {}) => {
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        const result = await nginxlog([
          file,
          "--format",
          "timed",
          "--json",
          "--log-level",
          "debug",
          ...args,
        ]);
        expect(result.exitCode).toBe(0);
        const finished = result.stderr
          .split("\n")
          .find((line) => line.includes("analysis finished"));
        const match = /wasmLines[=":\s]+(\d+)/.exec(finished ?? "");
        if (!match) throw new Error(`no wasmLines in: ${result.stderr}`);
        return { lines: Number(match[1]), stdout: result.stdout };
      } finally {
        process.env = saved;
      }
    };
    const wasm = await wasmLines([]);
    const js = await wasmLines([], { OPSCTL_NGINX_WASM: "0" });
    expect(wasm.lines).toBe(3000);
    expect(js.lines).toBe(0);
    expect(wasm.stdout).toBe(js.stdout);
    expect((await wasmLines(["--status", "5xx"])).lines).toBe(0);
  });
});
