/** Every check kind against real targets on 127.0.0.1, through the engine's runCheck. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCheck } from "../../lib/exporter/run-check.ts";
import { startDnsmasq } from "../env/dnsmasq.ts";
import { freePort } from "../env/service.ts";
import { check, checkSpec, detail, processesWith, quietLog } from "./helpers.ts";
import { scratchDir } from "./scratch.ts";
import { bannerTarget, httpsTarget, httpTarget, testPki } from "./targets.ts";

const pki = testPki();
const trusted = { tls_config: { ca_file: pki.caFile } };

describe("http", () => {
  test("HTTPS with the test CA: 200, five timed phases, chain verified, expiry of the test cert", async () => {
    const result = await check("http", `${httpsTarget()}/`, trusted);
    expect(result.error).toBeUndefined();
    expect(result.success).toBe(true);
    expect(detail(result, "http_status_code")).toBe(200);
    for (const phase of ["resolve", "connect", "tls", "processing", "transfer"])
      expect(detail(result, "http_duration_seconds", { phase })).toBeGreaterThanOrEqual(0);
    expect(detail(result, "http_duration_seconds", { phase: "tls" })).toBeGreaterThan(0);
    expect(detail(result, "tls_chain_verified")).toBe(1);
    expect(detail(result, "ssl_earliest_cert_expiry")).toBe(pki.notAfter);
    expect(detail(result, "http_ssl")).toBe(1);
  });

  test("an untrusted chain fails unless insecure_skip_verify", async () => {
    const untrusted = await check("http", `${httpsTarget()}/`);
    expect(untrusted.success).toBe(false);
    expect(untrusted.error).toContain("not trusted");
    expect(detail(untrusted, "tls_chain_verified")).toBe(0);
    const skipped = await check("http", `${httpsTarget()}/`, {
      tls_config: { insecure_skip_verify: true },
    });
    expect(skipped.success).toBe(true);
  });

  test("credentials are not sent to a server whose certificate is not trusted", async () => {
    const seen: string[] = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: Bun.file(pki.certFile), key: Bun.file(pki.keyFile) },
      fetch(request) {
        seen.push(request.headers.get("authorization") ?? "(none)");
        return new Response("ok\n");
      },
    });
    try {
      const url = `https://127.0.0.1:${server.port}/`;
      for (const auth of [
        { bearer_token: "token-123" },
        { basic_auth: { username: "prom", password: "s3cret" } },
      ]) {
        const untrusted = await check("http", url, auth);
        expect(untrusted.success).toBe(false);
        expect(untrusted.error).toContain("not trusted");
        expect(detail(untrusted, "tls_chain_verified")).toBe(0);
      }
      expect(seen).toEqual([]);
      expect((await check("http", url, { ...trusted, bearer_token: "token-123" })).success).toBe(
        true,
      );
      expect(seen).toEqual(["Bearer token-123"]);
    } finally {
      server.stop(true);
    }
  });

  test("min_cert_days fails on the soon-expiring certificate", async () => {
    const result = await check("http", `${httpsTarget()}/`, { ...trusted, min_cert_days: 7 });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/expires in 2\.\d|expires in 3\.0/);
  });

  test("redirects are followed and counted; no_follow_redirects sees the 302", async () => {
    const followed = await check("http", `${httpTarget()}/redirect`);
    expect(followed.success).toBe(true);
    expect(detail(followed, "http_redirects")).toBe(1);
    expect(detail(followed, "http_status_code")).toBe(200);
    const stopped = await check("http", `${httpTarget()}/redirect`, { no_follow_redirects: true });
    expect(stopped.success).toBe(false);
    expect(detail(stopped, "http_status_code")).toBe(302);
  });

  test("basic auth and bearer tokens (inline or from a file)", async () => {
    const url = `${httpTarget()}/auth`;
    expect((await check("http", url)).error).toContain("status 401");
    const basic = await check("http", url, {
      basic_auth: { username: "prom", password: "s3cret" },
    });
    expect(basic.success).toBe(true);
    const wrong = await check("http", url, { basic_auth: { username: "prom", password: "nope" } });
    expect(wrong.success).toBe(false);
    const tokenFile = join(scratchDir("exporter-token"), "token");
    writeFileSync(tokenFile, "token-123\n");
    expect((await check("http", url, { bearer_token_file: tokenFile })).success).toBe(true);
    expect(() =>
      checkSpec("http", url, { bearer_token: "a", basic_auth: { username: "u" } }),
    ).toThrow("use one of basic_auth, bearer_token, bearer_token_file");
  });

  test("status codes: 503 fails by default, passes when listed", async () => {
    const down = await check("http", `${httpTarget()}/down`);
    expect(down.success).toBe(false);
    expect(down.error).toContain("status 503");
    expect(
      (await check("http", `${httpTarget()}/down`, { valid_status_codes: [503] })).success,
    ).toBe(true);
  });

  test("body and header regexes, on a chunked body too", async () => {
    const ok = await check("http", `${httpTarget()}/chunked`, {
      fail_if_body_not_matches_regexp: ["part one, part two"],
    });
    expect(ok.success).toBe(true);
    const bad = await check("http", `${httpTarget()}/`, {
      fail_if_body_matches_regexp: ["healthy"],
    });
    expect(bad.success).toBe(false);
    expect(detail(bad, "failed_due_to_regex")).toBe(1);
    const header = await check("http", `${httpTarget()}/`, {
      fail_if_header_not_matches: [{ header: "X-App", regexp: "^opsctl-" }],
    });
    expect(header.success).toBe(true);
    const missing = await check("http", `${httpTarget()}/`, {
      fail_if_header_not_matches: [{ header: "X-Missing", regexp: "." }],
    });
    expect(missing.error).toContain("x-missing missing");
  });

  test("a body of megabytes in many small pieces (plain and chunked) arrives whole and in order", async () => {
    const piece = (i: number) => `${String(i).padStart(8, "0")}${"x".repeat(8184)}`;
    const pieces = 400; // 400 x 8 KiB: ~3.2 MiB, read in many packets
    const whole = `${Array.from({ length: pieces }, (_, i) => piece(i)).join("")}END-MARKER`;
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(request) {
        if (new URL(request.url).pathname === "/plain") return new Response(whole);
        let i = 0;
        const stream = new ReadableStream({
          pull(controller) {
            if (i < pieces) controller.enqueue(new TextEncoder().encode(piece(i++)));
            else {
              controller.enqueue(new TextEncoder().encode("END-MARKER"));
              controller.close();
            }
          },
        });
        return new Response(stream);
      },
    });
    try {
      for (const path of ["/plain", "/chunked"]) {
        const result = await check("http", `http://127.0.0.1:${server.port}${path}`, {
          fail_if_body_not_matches_regexp: ["^00000000x+00000001x+.*00000399x+END-MARKER$"],
        });
        expect([path, result.error, result.success]).toEqual([path, undefined, true]);
        expect(detail(result, "http_content_length")).toBe(whole.length);
      }
    } finally {
      server.stop(true);
    }
  });

  // blackbox's regexes are Go's: (?i) flags, and ^/$ at the body's ends unless (?m).
  test("body regexes in Go RE2 syntax, on the body 'service healthy\\n'", async () => {
    const body = (key: string, pattern: string) =>
      check("http", `${httpTarget()}/`, { [key]: [pattern] });
    const insensitive = await body("fail_if_body_not_matches_regexp", "(?i)SERVICE HEALTHY");
    expect(insensitive.error).toBeUndefined();
    expect(insensitive.success).toBe(true);
    expect(detail(insensitive, "failed_due_to_regex")).toBe(0);
    const sensitive = await body("fail_if_body_not_matches_regexp", "SERVICE HEALTHY");
    expect(sensitive.success).toBe(false);
    const guard = await body("fail_if_body_matches_regexp", "(?i)service\\s+HEALTHY");
    expect(guard.success).toBe(false);
    expect(detail(guard, "failed_due_to_regex")).toBe(1);
    expect(guard.error).toContain("body matched (?i)service\\s+HEALTHY");
    // $ is the end of the body, after its newline; (?m)$ is the end of any line.
    expect((await body("fail_if_body_not_matches_regexp", "healthy$")).success).toBe(false);
    expect((await body("fail_if_body_not_matches_regexp", "(?m)healthy$")).success).toBe(true);
    expect(() =>
      checkSpec("http", `${httpTarget()}/`, { fail_if_body_matches_regexp: ["\\p{Greek}"] }),
    ).toThrow(
      'checks[0] (t).http.fail_if_body_matches_regexp[0]: unsupported regular expression "\\\\p{Greek}": the Unicode class \\p{Greek}',
    );
  });

  test("a hanging server is cut at the timeout", async () => {
    const result = await check("http", `${httpTarget()}/slow`, {}, "1s");
    expect(result.success).toBe(false);
    expect(result.error).toContain("timed out after 1s");
  });

  test("connection refused is a failure naming the address", async () => {
    const port = await freePort();
    const result = await check("http", `http://127.0.0.1:${port}/`);
    expect(result.success).toBe(false);
    expect(result.error).toContain(`127.0.0.1:${port}`);
  });
});

describe("tcp", () => {
  test("banner exchange: expect, send, expect", async () => {
    const result = await check("tcp", await bannerTarget(), {
      query_response: [
        { expect: "^220 .*ESMTP" },
        { send: "HELO probe" },
        { expect: "^250 hello probe" },
      ],
    });
    expect(result.error).toBeUndefined();
    expect(result.success).toBe(true);
    expect(detail(result, "failed_due_to_regex")).toBe(0);
  });

  test("a banner that does not match fails with the regex named", async () => {
    const result = await check(
      "tcp",
      await bannerTarget(),
      { query_response: [{ expect: "^SSH-2.0" }] },
      "1s",
    );
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/SSH-2\.0|timed out/);
  });

  test("TLS over TCP reports the chain", async () => {
    const target = httpsTarget().replace("https://", "");
    const result = await check("tcp", target, { tls: true, ...trusted });
    expect(result.success).toBe(true);
    expect(detail(result, "ssl_earliest_cert_expiry")).toBe(pki.notAfter);
  });

  test("nothing is sent over TLS to a server whose certificate is not trusted", async () => {
    const { createServer } = await import("node:tls");
    const received: string[] = [];
    const server = createServer(
      { cert: await Bun.file(pki.certFile).text(), key: await Bun.file(pki.keyFile).text() },
      (socket) => {
        socket.write("220 ready\r\n");
        socket.on("data", (data) => received.push(data.toString().trim()));
        socket.on("error", () => {});
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const target = `127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    try {
      const steps = { query_response: [{ expect: "^220" }, { send: "AUTH s3cret" }] };
      const untrusted = await check("tcp", target, { tls: true, ...steps });
      expect(untrusted.success).toBe(false);
      expect(untrusted.error).toContain("not trusted");
      expect(detail(untrusted, "tls_chain_verified")).toBe(0);
      await Bun.sleep(100);
      expect(received).toEqual([]);
      expect((await check("tcp", target, { tls: true, ...trusted, ...steps })).success).toBe(true);
      for (let i = 0; i < 50 && received.length === 0; i++) await Bun.sleep(20);
      expect(received).toEqual(["AUTH s3cret"]);
    } finally {
      server.close();
    }
  });
});

describe("dns (real dnsmasq)", () => {
  let server = "";
  beforeAll(async () => {
    server = (
      await startDnsmasq({
        // two.svc.test: a good address and one that must not be there (two A records).
        a: { "api.svc.test": "127.0.0.42", "two.svc.test": ["127.0.0.42", "10.6.6.6"] },
        txt: { "txt.svc.test": "v=opsctl" },
      })
    ).address;
  });

  test("A record with an answer regex", async () => {
    const result = await check("dns", server, {
      query_name: "api.svc.test",
      validate_answer_rrs: { fail_if_not_matches_regexp: ["\\tIN\\tA\\t127\\.0\\.0\\.42$"] },
    });
    expect(result.error).toBeUndefined();
    expect(detail(result, "dns_answer_rrs")).toBe(1);
    expect(detail(result, "dns_rcode_info", { rcode: "NOERROR" })).toBe(1);
  });

  test("TXT record", async () => {
    const result = await check("dns", server, {
      query_name: "txt.svc.test",
      query_type: "TXT",
      validate_answer_rrs: { fail_if_not_matches_regexp: ["v=opsctl"] },
    });
    expect(result.success).toBe(true);
  });

  test("a wrong expected answer fails with what came back", async () => {
    const result = await check("dns", server, {
      query_name: "api.svc.test",
      validate_answer_rrs: { fail_if_not_matches_regexp: ["^10\\."] },
    });
    expect(result.success).toBe(false);
    expect(result.error).toContain("127.0.0.42");
  });

  // validate_answer_rrs as blackbox_exporter reads it: regexes match each record's whole text.
  test("fail_if_not_matches_regexp: every answer must match, not just one", async () => {
    const result = await check("dns", server, {
      query_name: "two.svc.test",
      validate_answer_rrs: { fail_if_not_matches_regexp: ["\\tA\\t127\\.0\\.0\\.42$"] },
    });
    expect(detail(result, "dns_answer_rrs")).toBe(2);
    expect(result.success).toBe(false);
    expect(result.error).toContain(
      '"two.svc.test.\\t0\\tIN\\tA\\t10.6.6.6" did not match fail_if_not_matches_regexp \\tA\\t127\\.0\\.0\\.42$',
    );
    const both = await check("dns", server, {
      query_name: "two.svc.test",
      validate_answer_rrs: {
        fail_if_not_matches_regexp: ["\\tA\\t(127\\.0\\.0\\.42|10\\.6\\.6\\.6)$"],
      },
    });
    expect(both.error).toBeUndefined();
    expect(both.success).toBe(true);
  });

  test("fail_if_matches_regexp: any answer matching fails", async () => {
    const result = await check("dns", server, {
      query_name: "two.svc.test",
      validate_answer_rrs: { fail_if_matches_regexp: ["\\tA\\t10\\."] },
    });
    expect(result.success).toBe(false);
    expect(result.error).toContain('10.6.6.6" matched fail_if_matches_regexp \\tA\\t10\\.');
  });
});

// blackbox_exporter's validate_{answer,authority,additional}_rrs: four regex lists, each matched
// against every record's text as miekg/dns prints it ("NAME\tTTL\tCLASS\tTYPE\tDATA").
describe("dns record validation as blackbox_exporter (real dnsmasq, authoritative)", () => {
  let server = "";
  beforeAll(async () => {
    server = (
      await startDnsmasq({
        authZone: "auth.test",
        a: {
          "api.auth.test": "127.0.0.42",
          "two.auth.test": ["127.0.0.42", "10.6.6.6"],
          // 40 A records do not fit in 512 bytes: the UDP answer comes back truncated.
          "many.auth.test": Array.from({ length: 40 }, (_, i) => `127.0.1.${i + 1}`),
        },
      })
    ).address;
  });
  // two.auth.test A: two answers, the zone's NS record in the authority section.
  const two = (validate: Record<string, unknown>) =>
    check("dns", server, { query_name: "two.auth.test", ...validate });
  // nope.auth.test: NXDOMAIN, the zone's SOA record in the authority section.
  const nope = (validate: Record<string, unknown>) =>
    check("dns", server, { query_name: "nope.auth.test", valid_rcodes: ["NXDOMAIN"], ...validate });
  const answers = (rrs: Record<string, string[]>) => ({ validate_answer_rrs: rrs });
  const authority = (rrs: Record<string, string[]>) => ({ validate_authority_rrs: rrs });
  const passes = (result: { success: boolean; error: string | undefined }) => {
    expect(result.error).toBeUndefined();
    expect(result.success).toBe(true);
  };

  test("each record is matched as its whole text: name, TTL, class, type and data", async () => {
    const result = await two(
      answers({
        fail_if_not_matches_regexp: [
          "^two\\.auth\\.test\\.\t600\tIN\tA\t(127\\.0\\.0\\.42|10\\.6\\.6\\.6)$",
        ],
      }),
    );
    passes(result);
    expect(detail(result, "dns_answer_rrs")).toBe(2);
    expect(detail(result, "dns_authority_rrs")).toBe(1);
    expect(detail(result, "dns_additional_rrs")).toBe(0);
    // The data alone is not the record: a regex anchored on the address no longer matches.
    const dataOnly = await two(answers({ fail_if_none_matches_regexp: ["^127\\.0\\.0\\.42$"] }));
    expect(dataOnly.success).toBe(false);
    expect(dataOnly.error).toContain('"two.auth.test.\\t600\\tIN\\tA\\t127.0.0.42"');
  });

  test("answer fail_if_matches_regexp: one record matching fails", async () => {
    const result = await two(answers({ fail_if_matches_regexp: ["\tA\t10\\."] }));
    expect(result.success).toBe(false);
    expect(result.error).toBe(
      'answer "two.auth.test.\\t600\\tIN\\tA\\t10.6.6.6" matched fail_if_matches_regexp \\tA\\t10\\.',
    );
    passes(await two(answers({ fail_if_matches_regexp: ["\tA\t192\\."] })));
  });

  // Despite the name, blackbox's prober/dns.go fails unless every record matches (its own
  // tests assert it); a copied blackbox.yml must keep that meaning.
  test("answer fail_if_all_match_regexp: as blackbox, fails unless every record matches", async () => {
    const some = await two(answers({ fail_if_all_match_regexp: ["\\t127\\.0\\.0\\.42$"] }));
    expect(some.success).toBe(false);
    expect(some.error).toContain(
      'answer "two.auth.test.\\t600\\tIN\\tA\\t10.6.6.6" did not match fail_if_all_match_regexp \\t127\\.0\\.0\\.42$',
    );
    passes(await two(answers({ fail_if_all_match_regexp: ["^two\\.auth\\.test\\.\\t"] })));
    // No record at all passes (unlike fail_if_not_matches_regexp).
    passes(await nope(answers({ fail_if_all_match_regexp: ["\\tA\\t"] })));
  });

  test("answer fail_if_not_matches_regexp: every record must match", async () => {
    const result = await two(answers({ fail_if_not_matches_regexp: ["\tA\t127\\.0\\.0\\.42$"] }));
    expect(result.success).toBe(false);
    expect(result.error).toContain(
      'answer "two.auth.test.\\t600\\tIN\\tA\\t10.6.6.6" did not match fail_if_not_matches_regexp',
    );
    passes(
      await check("dns", server, {
        query_name: "api.auth.test",
        ...answers({ fail_if_not_matches_regexp: ["\tA\t127\\.0\\.0\\.42$"] }),
      }),
    );
    const none = await nope(answers({ fail_if_not_matches_regexp: [".*"] }));
    expect(none.success).toBe(false);
    expect(none.error).toContain("no answer to match fail_if_not_matches_regexp");
  });

  test("answer fail_if_none_matches_regexp: one record matching is enough", async () => {
    passes(await two(answers({ fail_if_none_matches_regexp: ["\tA\t127\\.0\\.0\\.42$"] })));
    const result = await two(answers({ fail_if_none_matches_regexp: ["\tA\t192\\."] }));
    expect(result.success).toBe(false);
    expect(result.error).toContain("no answer matched fail_if_none_matches_regexp \\tA\\t192\\.");
    const none = await nope(answers({ fail_if_none_matches_regexp: [".*"] }));
    expect(none.success).toBe(false);
  });

  test("authority fail_if_matches_regexp", async () => {
    const result = await nope(authority({ fail_if_matches_regexp: ["\tIN\tSOA\t"] }));
    expect(result.success).toBe(false);
    expect(result.error).toBe(
      'authority record "auth.test.\\t600\\tIN\\tSOA\\tns1.auth.test. hostmaster.auth.test. 2024010101 1200 180 1209600 600" matched fail_if_matches_regexp \\tIN\\tSOA\\t',
    );
    passes(await two(authority({ fail_if_matches_regexp: ["\tIN\tSOA\t"] })));
  });

  test("authority fail_if_all_match_regexp", async () => {
    const ns = ["^auth\\.test\\.\\t\\d+\\tIN\\tNS\\t"];
    passes(await two(authority({ fail_if_all_match_regexp: ns })));
    const result = await nope(authority({ fail_if_all_match_regexp: ns }));
    expect(result.success).toBe(false);
    expect(result.error).toContain('authority record "auth.test.\\t600\\tIN\\tSOA\\t');
    expect(result.error).toContain("did not match fail_if_all_match_regexp");
  });

  test("authority fail_if_not_matches_regexp", async () => {
    const ns = ["\tIN\tNS\tns1\\.auth\\.test\\.$"];
    passes(await two(authority({ fail_if_not_matches_regexp: ns })));
    const result = await nope(authority({ fail_if_not_matches_regexp: ns }));
    expect(result.success).toBe(false);
    expect(result.error).toContain('authority record "auth.test.\\t600\\tIN\\tSOA\\t');
  });

  test("authority fail_if_none_matches_regexp", async () => {
    const soa = ["\tIN\tSOA\tns1\\.auth\\.test\\. hostmaster\\.auth\\.test\\. 2024010101 "];
    passes(await nope(authority({ fail_if_none_matches_regexp: soa })));
    const result = await two(authority({ fail_if_none_matches_regexp: soa }));
    expect(result.success).toBe(false);
    expect(result.error).toContain("no authority record matched fail_if_none_matches_regexp");
  });

  test("an answer truncated over UDP is asked again over TCP", async () => {
    const result = await check("dns", server, {
      query_name: "many.auth.test",
      validate_answer_rrs: { fail_if_none_matches_regexp: ["\\tA\\t127\\.0\\.1\\.40$"] },
    });
    passes(result);
    expect(detail(result, "dns_answer_rrs")).toBe(40);
  });

  test("additional section: the same four options (empty here)", async () => {
    const additional = (rrs: Record<string, string[]>) => two({ validate_additional_rrs: rrs });
    passes(await additional({ fail_if_matches_regexp: [".*"], fail_if_all_match_regexp: [".*"] }));
    const notMatches = await additional({ fail_if_not_matches_regexp: [".*"] });
    expect(notMatches.error).toContain("no additional record to match fail_if_not_matches_regexp");
    const noneMatches = await additional({ fail_if_none_matches_regexp: [".*"] });
    expect(noneMatches.error).toContain(
      "no additional record to match fail_if_none_matches_regexp",
    );
  });
});

describe("cert", () => {
  test("remote endpoint: seconds left match the certificate, min_days decides", async () => {
    const target = httpsTarget().replace("https://", "");
    const ok = await check("cert", target, { ...trusted, min_days: 1 });
    expect(ok.success).toBe(true);
    const left = detail(ok, "cert_expiry_seconds") ?? 0;
    expect(Math.abs(left - (pki.notAfter - Date.now() / 1000))).toBeLessThan(60);
    const soon = await check("cert", target, { ...trusted, min_days: 7 });
    expect(soon.success).toBe(false);
    expect(soon.error).toContain("min_days 7");
  });

  test("local PEM file, and a file that holds no certificate", async () => {
    const ok = await check("cert", pki.certFile, { min_days: 1 });
    expect(ok.success).toBe(true);
    expect(detail(ok, "ssl_earliest_cert_expiry")).toBe(pki.notAfter);
    expect(detail(ok, "cert_chain_length")).toBe(1);
    const bad = await check("cert", pki.keyFile);
    expect(bad.success).toBe(false);
    expect(bad.error).toContain("no PEM certificate");
  });
});

describe("file", () => {
  const dir = scratchDir("exporter-files");
  const now = Date.now() / 1000;
  beforeAll(() => {
    for (const [name, size, age] of [
      ["a.job", 100, 7200],
      ["b.job", 200, 1800],
      ["c.job", 300, 600],
      ["notes.txt", 50, 60],
    ] as const) {
      writeFileSync(join(dir, name), "x".repeat(size));
      utimesSync(join(dir, name), now - age, now - age);
    }
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "d.job"), "x".repeat(1000));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("count, bytes, newest and oldest age of matching files", async () => {
    const result = await check("file", dir, { name: ["*.job"] });
    expect(result.success).toBe(true);
    expect(detail(result, "file_matches")).toBe(3);
    expect(detail(result, "file_total_bytes")).toBe(600);
    expect(Math.round((detail(result, "file_oldest_age_seconds") ?? 0) / 100)).toBe(72);
    expect(Math.round((detail(result, "file_newest_age_seconds") ?? 0) / 100)).toBe(6);
  });

  test("recursive, and the conditions that fail a stuck queue or stale backups", async () => {
    expect(
      detail(await check("file", dir, { name: ["*.job"], recursive: true }), "file_matches"),
    ).toBe(4);
    const stuck = await check("file", dir, { name: ["*.job"], max_oldest_age: "1h" });
    expect(stuck.success).toBe(false);
    expect(stuck.error).toContain("oldest file");
    const stale = await check("file", dir, { name: ["*.job"], max_newest_age: "5m" });
    expect(stale.error).toContain("newest file");
    expect((await check("file", dir, { max_count: 2 })).error).toContain("more than max_count 2");
  });

  test("a missing directory fails with its path", async () => {
    const result = await check("file", join(dir, "nope"));
    expect(result.success).toBe(false);
    expect(result.error).toContain("nope");
  });
});

describe("command", () => {
  test("exit code decides; stderr's last line is the reason", async () => {
    expect((await check("command", "", { command: "true" })).success).toBe(true);
    const failed = await check("command", "", { command: "echo broken >&2; exit 3" });
    expect(failed.success).toBe(false);
    expect(detail(failed, "command_exit_code")).toBe(3);
    expect(failed.error).toContain("exited 3: broken");
  });

  test("{{target}} in a shell command is the target as one word, never shell code", async () => {
    const dir = scratchDir("exporter-command-target");
    const marker = join(dir, "injected");
    const target = `x; touch ${marker}; echo $(id -u) "q" 'a b'`;
    const spec = checkSpec("command", "", { command: "printf '%s|' {{target}} >&2; exit 7" });
    const result = await runCheck(spec, target, { log: quietLog });
    expect(existsSync(marker)).toBe(false);
    expect(result.error).toContain(`exited 7: ${target}|`);
    const argv = checkSpec("command", "", { command: ["/bin/echo", "{{target}}"] });
    expect((await runCheck(argv, target, { log: quietLog })).success).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  test("{{target}} in the script of an argv-list shell (sh -c, bash -ec) is one word too", async () => {
    const dir = scratchDir("exporter-command-argv-shell");
    const marker = join(dir, "injected");
    const target = `x; touch ${marker}; echo 'a b'`;
    for (const shell of [
      ["/bin/sh", "-c"],
      ["bash", "-e", "-c"],
      ["/usr/bin/bash", "-ec"],
      ["bash", "-o", "pipefail", "+o", "posix", "-c"],
      // bash's -O/+O and --rcfile/--init-file take an argument too: the script is after it.
      ["bash", "-O", "extglob", "+O", "nullglob", "-c"],
      ["bash", "--rcfile", "/dev/null", "--init-file", "/dev/null", "-c"],
    ]) {
      const script = "printf '%s|' {{target}} >&2; exit 7";
      const spec = checkSpec("command", "", { command: [...shell, script, "probe", "{{target}}"] });
      const result = await runCheck(spec, target, { log: quietLog });
      expect(existsSync(marker)).toBe(false);
      expect(result.error).toContain(`exited 7: ${target}|`);
    }
    // After the script come the shell's positional parameters: data, the target as given.
    const positional = checkSpec("command", "", {
      command: ["/bin/sh", "-c", 'printf "%s|" "$1" >&2; exit 5', "probe", "{{target}}"],
    });
    const result = await runCheck(positional, target, { log: quietLog });
    expect(result.error).toContain(`exited 5: ${target}|`);
    expect(existsSync(marker)).toBe(false);
  });

  test("a missing program and an oversized output fail with the reason", async () => {
    const missing = await check("command", "", { command: ["/nonexistent/probe-script"] });
    expect(missing.success).toBe(false);
    expect(missing.error).toContain("/nonexistent/probe-script");
    const big = await check("command", "", {
      command: "yes | head -c 100000",
      max_output_bytes: "1k",
    });
    expect(big.success).toBe(false);
    expect(big.error).toContain("larger than max_output_bytes (1024)");
  });

  test("metrics on stdout are parsed and validated", async () => {
    const ok = await check("command", "", {
      command:
        "printf '# HELP queue_depth Jobs waiting.\\n# TYPE queue_depth gauge\\nqueue_depth{queue=\"mail\"} 7\\n'",
      parse_metrics: true,
    });
    expect(ok.success).toBe(true);
    expect(ok.exposed).toEqual([
      {
        name: "queue_depth",
        help: "Jobs waiting.",
        type: "gauge",
        samples: [{ name: "queue_depth", labels: { queue: "mail" }, value: 7 }],
      },
    ]);
    const bad = await check("command", "", { command: "echo '1bad 3'", parse_metrics: true });
    expect(bad.success).toBe(false);
    expect(bad.error).toContain('line 1: invalid metric name "1bad"');
    const reserved = await check("command", "", {
      command: "echo 'x{check=\"a\"} 1'",
      parse_metrics: true,
    });
    expect(reserved.error).toContain('"check" is reserved');
  });

  test("a hanging command is killed with its whole process group", async () => {
    const marker = "31.4159";
    const result = await check(
      "command",
      "",
      { command: `sleep ${marker} & sleep ${marker}; echo never` },
      "1s",
    );
    expect(result.success).toBe(false);
    expect(result.error).toContain("timed out after 1s");
    for (let i = 0; i < 40 && processesWith(`sleep ${marker}`).length > 0; i++) await Bun.sleep(50);
    expect(processesWith(`sleep ${marker}`)).toEqual([]);
  });

  test("a background child left by a finished command is killed too", async () => {
    const marker = "27.1828";
    const result = await check("command", "", {
      command: `sleep ${marker} >/dev/null 2>&1 & echo started`,
    });
    expect(result.success).toBe(true);
    for (let i = 0; i < 40 && processesWith(`sleep ${marker}`).length > 0; i++) await Bun.sleep(50);
    expect(processesWith(`sleep ${marker}`)).toEqual([]);
  });
});

describe("process", () => {
  test("by pidfile and by name: running, RSS, CPU; gone means failed", async () => {
    const dir = scratchDir("exporter-proc");
    const child = Bun.spawn(["sleep", "41.42"]);
    writeFileSync(join(dir, "app.pid"), `${child.pid}\n`);
    try {
      const byPid = await check("process", join(dir, "app.pid"));
      expect(byPid.success).toBe(true);
      expect(detail(byPid, "process_matches")).toBe(1);
      expect(detail(byPid, "process_resident_memory_bytes")).toBeGreaterThan(0);
      expect(detail(byPid, "process_cpu_seconds_total")).toBeGreaterThanOrEqual(0);
      const byName = await check("process", "sleep", { cmdline_regexp: "sleep 41\\.42" });
      expect(detail(byName, "process_matches")).toBe(1);
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
    const gone = await check("process", join(dir, "app.pid"));
    expect(gone.success).toBe(false);
    expect(gone.error).toContain("expected at least 1");
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("ssh (real sshd from tests/env/sshd.ts)", () => {
  test("host key verified against known_hosts, key auth, command exit code", async () => {
    const { sharedSshdFleet } = await import("../env/sshd.ts");
    const fleet = await sharedSshdFleet("exporter");
    const host = fleet.hosts[0] as { address: string; port: number };
    const dir = scratchDir("exporter-ssh");
    const knownHosts = join(dir, "known_hosts");
    writeFileSync(knownHosts, `${fleet.knownHostsLines().join("\n")}\n`);
    const target = `${fleet.user}@${host.address}:${host.port}`;
    const base = { identity_file: [fleet.clientKey], known_hosts_file: [knownHosts] };
    const ok = await check("ssh", target, { ...base, command: "echo hi" });
    expect(ok.error).toBeUndefined();
    expect(detail(ok, "ssh_status_info", { status: "ok" })).toBe(1);
    expect(detail(ok, "ssh_command_exit_code")).toBe(0);
    expect(detail(ok, "ssh_login_duration_seconds")).toBeGreaterThan(0);
    const failing = await check("ssh", target, { ...base, command: "exit 3" });
    expect(failing.success).toBe(false);
    expect(detail(failing, "ssh_command_exit_code")).toBe(3);
    const emptyKnown = join(dir, "empty_known_hosts");
    writeFileSync(emptyKnown, "");
    const unknown = await check("ssh", target, { ...base, known_hosts_file: [emptyKnown] });
    expect(unknown.success).toBe(false);
    expect(detail(unknown, "ssh_status_info", { status: "hostkey_unknown" })).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);
});

describe("no leaks", () => {
  test("timed-out and failed network checks leave no connection open", async () => {
    const port = new URL(httpTarget()).port;
    const established = () =>
      Bun.spawnSync(["ss", "-Htn", "state", "established", `( dport = :${port} )`])
        .stdout.toString()
        .trim()
        .split("\n")
        .filter(Boolean).length;
    await Promise.all([
      ...Array.from({ length: 5 }, () => check("http", `${httpTarget()}/slow`, {}, "500ms")),
      ...Array.from({ length: 5 }, () => check("http", `${httpTarget()}/down`)),
      ...Array.from({ length: 5 }, () =>
        check("tcp", `127.0.0.1:${port}`, { query_response: [{ expect: "^never" }] }, "500ms"),
      ),
    ]);
    for (let i = 0; i < 40 && established() > 0; i++) await Bun.sleep(50);
    expect(established()).toBe(0);
  });
});
