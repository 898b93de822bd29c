/**
 * http `http_headers` (prometheus/common's: {Name: {values, secrets, files}}), against servers on
 * 127.0.0.1 that record the header they get.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { check, refusal } from "./helpers.ts";
import { closeLoopbackServers, headerRecorder } from "./loopback-servers.ts";
import { scratchDir } from "./scratch.ts";

const { target, seen, elsewhereSeen } = headerRecorder("x-api-key");
afterAll(closeLoopbackServers);
const dir = scratchDir("http-headers");

const refused = (settings: Record<string, unknown>) => refusal("http", target, settings);

describe("http_headers", () => {
  test("values, secrets and files (trimmed, read at every run) are all sent, in that order", async () => {
    const file = join(dir, "key");
    writeFileSync(file, "from-file-1\n");
    const settings = {
      http_headers: { "X-Api-Key": { values: ["v1"], secrets: ["s3cret-1"], files: [file] } },
    };
    seen.length = 0;
    expect((await check("http", target, settings)).error).toBeUndefined();
    writeFileSync(file, "from-file-2\n");
    expect((await check("http", target, settings)).error).toBeUndefined();
    expect(seen).toEqual(["v1, s3cret-1, from-file-1", "v1, s3cret-1, from-file-2"]);
  });

  test("added to a value from `headers` of the same name, as Header.Add after Header.Set", async () => {
    seen.length = 0;
    const result = await check("http", target, {
      headers: { "x-api-key": "plain" },
      http_headers: { "X-API-KEY": { values: ["added"] } },
    });
    expect(result.error).toBeUndefined();
    expect(seen).toEqual(["plain, added"]);
  });

  test("sent on every request, a redirect's other origin too (as common's round tripper)", async () => {
    elsewhereSeen.length = 0;
    const result = await check("http", `${target}away`, {
      http_headers: { "X-Api-Key": { values: ["v1"] } },
    });
    expect(result.error).toBeUndefined();
    expect(elsewhereSeen).toEqual(["v1"]);
  });

  test("a missing file fails the run naming the file, and nothing is sent", async () => {
    seen.length = 0;
    const file = join(dir, "absent");
    const result = await check("http", target, {
      http_headers: { "X-Api-Key": { files: [file] } },
    });
    expect(result.success).toBe(false);
    expect(result.error).toContain(file);
    expect(seen).toEqual([]);
  });

  test("a file whose text is not a header value fails the run without quoting it", async () => {
    const file = join(dir, "two-lines");
    writeFileSync(file, "s3cret-line-1\nInjected: yes\n");
    const result = await check("http", target, {
      http_headers: { "X-Api-Key": { files: [file] } },
    });
    expect(result.success).toBe(false);
    expect(result.error).toContain(file);
    expect(result.error).not.toContain("s3cret-line-1");
  });

  test("reserved names, bad names, bad values and unknown keys are refused, secrets unquoted", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ authorization: { values: ["x"] } }, 'setting header "Authorization" is not allowed'],
      [{ "user-agent": { values: ["x"] } }, 'setting header "User-Agent" is not allowed'],
      [{ "Bad Name": { values: ["x"] } }, "not a valid header name"],
      [
        { "X-Api-Key": { secrets: ["s3cret\r\nInjected: yes"] } },
        "secrets[0]: not a valid header value",
      ],
      [{ "X-Api-Key": { value: ["x"] } }, 'unknown key "value"'],
      [{ "X-Api-Key": "x" }, "expected {values, secrets, files}"],
    ];
    for (const [headers, message] of cases) {
      const error = refused({ http_headers: headers });
      expect(error).toContain(message);
      expect(error).not.toContain("s3cret");
    }
  });
});

describe("headers", () => {
  test("a value with CR, LF or another control character is refused at load naming the key, unquoted", () => {
    const cases: [Record<string, string>, string][] = [
      [{ "X-Api-Key": "s3cret\r\nInjected: yes" }, "headers.X-Api-Key: not a valid header value"],
      [{ authorization: "Bearer s3cret\nx" }, "headers.authorization: not a valid header value"],
      [{ "X-Api-Key": "s3cret\u0000" }, "headers.X-Api-Key: not a valid header value"],
      [{ "X-Injected: yes\r\nX-Api-Key": "s3cret" }, "not a valid header name"],
    ];
    for (const [headers, message] of cases) {
      const error = refused({ headers });
      expect(error).toContain(message);
      expect(error).not.toContain("s3cret");
    }
    expect(refused({ headers: { "X-Api-Key": "tab\tis fine" } })).toBe("");
  });
});

describe("headers: a name given in any case replaces the request's own", () => {
  const agent = headerRecorder("user-agent");
  const host = headerRecorder("host");

  test("user-agent and host written in lower case are sent once, with the value given", async () => {
    agent.seen.length = 0;
    const lower = await check("http", agent.target, { headers: { "user-agent": "probe/1" } });
    expect(lower.error).toBeUndefined();
    const mixed = await check("http", agent.target, { headers: { "USER-AGENT": "probe/2" } });
    expect(mixed.error).toBeUndefined();
    expect(agent.seen).toEqual(["probe/1", "probe/2"]);

    host.seen.length = 0;
    const named = await check("http", host.target, { headers: { host: "api.example.test" } });
    expect(named.error).toBeUndefined();
    expect(host.seen).toEqual(["api.example.test"]);
  });
});
