/**
 * nginxlog (compiled binary) on logs written by a real nginx: counts checked exactly against
 * what the test sent and observed, percentiles within the sketch's 1% of exact values computed
 * here from the log itself, escapes decoded, and the format read from the nginx.conf.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { type Nginx, rawRequest, startNginx } from "../env/nginx.ts";
import {
  compileOnce,
  counts,
  exactQuantile,
  type JsonReport,
  report,
  table,
  tally,
} from "./helpers.ts";

// Compiling the binary can take a while on a busy machine: not inside a test's 5 s.
beforeAll(compileOnce, 180_000);

interface Sent {
  ip: string;
  method: string;
  path: string;
  status: number;
}

const weirdPath = Buffer.concat([Buffer.from('/app/we"ird\\path/caf'), Buffer.from([0xc3, 0xa9])]);
const weirdPathText = '/app/we"ird\\path/café';
const weirdAgent = Buffer.concat([
  Buffer.from('Mozilla "quoted" \\back '),
  Buffer.from("ñandú", "utf8"),
]);
const weirdAgentText = 'Mozilla "quoted" \\back ñandú';

let nginx: Nginx;
const sent: Sent[] = [];

/** Seeded choices so a failure can be replayed. */
let seed = 12345;
function random(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
}

function plan(): { ip: string; method: string; path: string | Buffer; agent: string | Buffer }[] {
  const requests: { ip: string; method: string; path: string | Buffer; agent: string | Buffer }[] =
    [];
  const ips = Array.from({ length: 25 }, (_, i) => `10.1.${i}.${(i * 7) % 250}`);
  for (let i = 0; i < 320; i++) {
    const ip = ips[Math.floor(ips.length * random() ** 2)] as string;
    const roll = random();
    const delay = Math.floor(random() ** 2 * 80);
    const path =
      roll < 0.45
        ? `/app/item/${Math.floor(random() * 30)}?delay=${delay}`
        : roll < 0.55
          ? `/app/fail?status=502&delay=${delay}`
          : roll < 0.65
            ? `/missing/${i}`
            : roll < 0.7
              ? "/broken/x"
              : roll < 0.78
                ? "/local/ok"
                : roll < 0.82
                  ? "/local/error"
                  : roll < 0.9
                    ? `/multi/m${i % 4}`
                    : roll < 0.95
                      ? weirdPath
                      : "/";
    requests.push({
      ip,
      method: random() < 0.8 ? "GET" : random() < 0.5 ? "POST" : "HEAD",
      path,
      agent: random() < 0.2 ? weirdAgent : `agent-${Math.floor(random() * 5)}`,
    });
  }
  return requests;
}

function lineCount(path: string): number {
  return readFileSync(path, "latin1").split("\n").filter(Boolean).length;
}

beforeAll(async () => {
  nginx = await startNginx();
  const requests = plan();
  // Eight at a time: varied upstream times without a slow test.
  for (let i = 0; i < requests.length; i += 8) {
    await Promise.all(
      requests.slice(i, i + 8).map(async (r) => {
        const response = await rawRequest(nginx, {
          method: r.method,
          path: r.path,
          headers: {
            "X-Forwarded-For": r.ip,
            "User-Agent": r.agent,
            Referer: "http://ref.test/page",
          },
        });
        sent.push({
          ip: r.ip,
          method: r.method,
          path: typeof r.path === "string" ? r.path : weirdPathText,
          status: response.status,
        });
      }),
    );
  }
  const expected = sent.length + 1; // + the readiness probe
  for (let i = 0; i < 200 && lineCount(nginx.logs.timed) < expected; i++) await Bun.sleep(25);
}, 60_000);

function expectExactCounts(result: JsonReport): void {
  const probe = 1; // startNginx's readiness GET /ready from 127.0.0.1
  expect(result.overview.requests).toBe(sent.length + probe);
  expect(result.overview.badLines).toBe(0);
  const statuses = tally(sent, (s) => String(s.status));
  statuses["200"] = (statuses["200"] ?? 0) + probe;
  expect(counts(result, "status")).toEqual(statuses);
  const ips = counts(result, "top-ips");
  for (const [ip, count] of Object.entries(tally(sent, (s) => s.ip)))
    if (count >= 3) expect(ips[ip] ?? 0).toBe(count);
}

describe("real nginx logs", () => {
  test("combined: exact request, status, method and client counts", async () => {
    const result = await report([nginx.logs.combined, "--top", "100"]);
    expectExactCounts(result);
    const methods = tally(sent, (s) => s.method);
    methods.GET = (methods.GET ?? 0) + 1;
    expect(counts(result, "methods")).toEqual(methods);
    // Every client address in the sample fits the top table exactly (Space-Saving never filled).
    const ipsTable = table(result, "top-ips");
    for (const row of ipsTable) expect(row["max overcount"]).toBe(0);
  }, 60_000);

  test("quotes, backslashes and non-ASCII in paths and user agents are decoded", async () => {
    const raw = readFileSync(nginx.logs.combined, "latin1");
    expect(raw).toContain("\\x22quoted\\x22"); // nginx escaped them in the log
    const result = await report([nginx.logs.combined, "--top", "100"]);
    const paths = counts(result, "top-paths");
    expect(paths[weirdPathText]).toBe(sent.filter((s) => s.path === weirdPathText).length);
    const agents = counts(result, "top-user-agents");
    expect(agents[weirdAgentText]).toBeGreaterThan(0);
  }, 60_000);

  test("custom format from nginx.conf: request and upstream percentiles within 1% of exact", async () => {
    const result = await report([
      nginx.logs.timed,
      "--nginx-conf",
      nginx.confPath,
      "--format-name",
      "timed",
      "--top",
      "100",
    ]);
    expectExactCounts(result);
    // Independent parse of the same log: the fields after the user agent.
    const requestTimes: number[] = [];
    const upstreamTimes: number[] = [];
    let multiAttempt = 0;
    for (const line of readFileSync(nginx.logs.timed, "latin1").split("\n").filter(Boolean)) {
      const match = /" (\d+\.\d{3}) (.+) (\S+) "[^"]*" (.+)$/.exec(line);
      if (!match) throw new Error(`unexpected timed line: ${line}`);
      requestTimes.push(Number(match[1]));
      const upstream = match[2] as string;
      if (upstream !== "-") {
        if (upstream.includes(",")) multiAttempt++;
        upstreamTimes.push(
          upstream
            .split(/[,:]/)
            .map((v) => Number.parseFloat(v.trim()))
            .filter(Number.isFinite)
            .reduce((a, b) => a + b, 0),
        );
      }
    }
    expect(multiAttempt).toBeGreaterThan(0); // the flaky upstream group produced lists
    const mismatches: string[] = [];
    for (const [name, values] of [
      ["request-time", requestTimes],
      ["upstream-time", upstreamTimes],
    ] as const) {
      const sorted = [...values].map((v) => Math.round(v * 1000) / 1000).sort((a, b) => a - b);
      const row = table(result, name).find((r) => r.group === "all");
      expect(row?.count).toBe(sorted.length);
      for (const q of [
        ["p50", 0.5],
        ["p90", 0.9],
        ["p95", 0.95],
        ["p99", 0.99],
        ["p99.9", 0.999],
      ] as const) {
        const exact = exactQuantile(sorted, q[1]);
        const estimate = Number(row?.[q[0]]);
        // Reported in whole microseconds: allow that rounding on top of the sketch's 1%.
        if (Math.abs(estimate - exact) > exact * 0.01 + 0.0000005)
          mismatches.push(`${name} ${q[0]}: exact ${exact}, reported ${estimate}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(Math.max(...requestTimes)).toBeGreaterThan(0.02); // the delays made the test meaningful
  }, 60_000);

  test("escape=json log: same counts, decoded values", async () => {
    const result = await report([
      nginx.logs.json,
      "--nginx-conf",
      nginx.confPath,
      "--format-name",
      "jsonlog",
      "--top",
      "100",
    ]);
    expectExactCounts(result);
    expect(counts(result, "top-paths")[weirdPathText]).toBe(
      sent.filter((s) => s.path === weirdPathText).length,
    );
    expect(counts(result, "top-user-agents")[weirdAgentText]).toBeGreaterThan(0);
  }, 60_000);

  test("filters: --status 5xx, --path-prefix, --ip, --method, --where", async () => {
    const fivexx = await report([
      nginx.logs.timed,
      "--nginx-conf",
      nginx.confPath,
      "--format-name",
      "timed",
      "--status",
      "5xx",
    ]);
    expect(fivexx.overview.requests).toBe(sent.filter((s) => s.status >= 500).length);
    const app = await report([nginx.logs.combined, "--path-prefix", "/app/item/"]);
    expect(app.overview.requests).toBe(sent.filter((s) => s.path.startsWith("/app/item/")).length);
    const someIp = sent[0]?.ip as string;
    const byIp = await report([nginx.logs.combined, "--ip", someIp, "--method", "GET"]);
    expect(byIp.overview.requests).toBe(
      sent.filter((s) => s.ip === someIp && s.method === "GET").length,
    );
    const cidr = await report([nginx.logs.combined, "--ip", "10.1.0.0/16"]);
    expect(cidr.overview.requests).toBe(sent.length);
    const slow = await report([
      nginx.logs.timed,
      "--nginx-conf",
      nginx.confPath,
      "--format-name",
      "timed",
      "--where",
      "request_time>=0.05",
      "--where",
      "host=nginxlog.test",
    ]);
    const slowExpected = readFileSync(nginx.logs.timed, "latin1")
      .split("\n")
      .filter((line) => {
        const m = /" (\d+\.\d{3}) /.exec(line);
        return m && Number(m[1]) >= 0.05;
      }).length;
    expect(slow.overview.requests).toBe(slowExpected);
  }, 60_000);
});
