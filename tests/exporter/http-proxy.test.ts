/**
 * http proxy_url, no_proxy, proxy_from_environment and proxy_connect_header, as prometheus/common
 * reads them for blackbox_exporter (and blackbox's skip_resolve_phase_with_proxy), against a
 * forward proxy and targets on 127.0.0.1 that record what they got.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import {
  closeProxyServers,
  forwardProxy,
  headerValues,
  type RecordedHead,
  recordingTarget,
} from "./forward-proxy.ts";
import { check, detail, refusal } from "./helpers.ts";
import { testPki } from "./targets.ts";

const pki = testPki();
const certificate = {
  cert: readFileSync(pki.certFile, "utf8"),
  key: readFileSync(pki.keyFile, "utf8"),
};
const trustTestCa = { tls_config: { ca_file: pki.caFile } };
const password = "p@ss-s3cret";
const basic = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

const proxy = await forwardProxy();
const tlsProxy = await forwardProxy({ tls: certificate });
const refusingProxy = await forwardProxy({ refuseConnect: "407 Proxy Authentication Required" });
const chattyProxy = await forwardProxy({ afterConnected: "HTTP/1.1 200 OK\r\n\r\nhello" });
const target = await recordingTarget();
const elsewhere = await recordingTarget();
const tlsTarget = await recordingTarget(certificate);
afterAll(closeProxyServers);
afterEach(() => {
  for (const server of [proxy, tlsProxy, refusingProxy, chattyProxy, target, elsewhere, tlsTarget])
    server.requests.length = 0;
});

const proxyUrl = `http://probe:${encodeURIComponent(password)}@127.0.0.1:${proxy.port}`;
const lines = (heads: RecordedHead[]) => heads.map((head) => head.line);

describe("proxy_url, http targets", () => {
  test("sent to the proxy in absolute form, with the proxy URL's user as Proxy-Authorization", async () => {
    const result = await check("http", `http://127.0.0.1:${target.port}/path?q=1`, {
      proxy_url: proxyUrl,
    });
    expect(result.error).toBeUndefined();
    expect(lines(proxy.requests)).toEqual([
      `GET http://127.0.0.1:${target.port}/path?q=1 HTTP/1.1`,
    ]);
    expect(headerValues(proxy.requests[0], "proxy-authorization")).toEqual([
      basic("probe", password),
    ]);
    expect(headerValues(proxy.requests[0], "host")).toEqual([`127.0.0.1:${target.port}`]);
    expect(lines(target.requests)).toEqual(["GET /path?q=1 HTTP/1.1"]);
  });

  test("proxy_connect_header is for CONNECT only: a plain http request does not carry it", async () => {
    const result = await check("http", `http://127.0.0.1:${target.port}/`, {
      proxy_url: `http://127.0.0.1:${proxy.port}`,
      proxy_connect_header: { "X-Tunnel-Token": ["tok-1"] },
    });
    expect(result.error).toBeUndefined();
    expect(proxy.requests).toHaveLength(1);
    expect(headerValues(proxy.requests[0], "x-tunnel-token")).toEqual([]);
    expect(headerValues(proxy.requests[0], "proxy-authorization")).toEqual([]);
  });

  test("redirects go through the proxy too, to another origin as well", async () => {
    const away = `http://127.0.0.1:${elsewhere.port}/final`;
    const result = await check(
      "http",
      `http://127.0.0.1:${target.port}/away?to=${encodeURIComponent(away)}`,
      { proxy_url: proxyUrl },
    );
    expect(result.error).toBeUndefined();
    expect(detail(result, "http_redirects")).toBe(1);
    expect(lines(proxy.requests)).toEqual([
      `GET http://127.0.0.1:${target.port}/away?to=${encodeURIComponent(away)} HTTP/1.1`,
      `GET ${away} HTTP/1.1`,
    ]);
    expect(headerValues(proxy.requests[1], "proxy-authorization")).toEqual([
      basic("probe", password),
    ]);
    expect(lines(elsewhere.requests)).toEqual(["GET /final HTTP/1.1"]);
  });

  test("skip_resolve_phase_with_proxy: the name goes to the proxy, never resolved here", async () => {
    // app.example.test resolves nowhere: only the proxy (which maps it to 127.0.0.1) can reach it.
    const result = await check("http", `http://app.example.test:${target.port}/`, {
      proxy_url: proxyUrl,
      skip_resolve_phase_with_proxy: true,
    });
    expect(result.error).toBeUndefined();
    expect(lines(proxy.requests)).toEqual([`GET http://app.example.test:${target.port}/ HTTP/1.1`]);
    expect(headerValues(target.requests[0], "host")).toEqual([`app.example.test:${target.port}`]);
  });
});

describe("proxy_url, https targets", () => {
  test("CONNECT with proxy_connect_header and Proxy-Authorization, then TLS with the target", async () => {
    const result = await check("http", `https://localhost:${tlsTarget.port}/`, {
      ...trustTestCa,
      preferred_ip_protocol: "ip4",
      proxy_url: proxyUrl,
      proxy_connect_header: { "X-Tunnel-Token": ["tok-a", "tok-b"] },
    });
    expect(result.error).toBeUndefined();
    // As blackbox: the name is resolved here (resolve phase) and the address is asked for.
    expect(lines(proxy.requests)).toEqual([`CONNECT 127.0.0.1:${tlsTarget.port} HTTP/1.1`]);
    expect(headerValues(proxy.requests[0], "host")).toEqual([`127.0.0.1:${tlsTarget.port}`]);
    expect(headerValues(proxy.requests[0], "x-tunnel-token")).toEqual(["tok-a", "tok-b"]);
    expect(headerValues(proxy.requests[0], "proxy-authorization")).toEqual([
      basic("probe", password),
    ]);
    // SNI and verification are the target's, not the proxy's; nothing for the proxy inside.
    expect(tlsTarget.requests.map((head) => head.servername)).toEqual(["localhost"]);
    expect(headerValues(tlsTarget.requests[0], "host")).toEqual([`localhost:${tlsTarget.port}`]);
    expect(headerValues(tlsTarget.requests[0], "proxy-authorization")).toEqual([]);
    expect(headerValues(tlsTarget.requests[0], "x-tunnel-token")).toEqual([]);
    expect(detail(result, "tls_chain_verified")).toBe(1);
    expect(detail(result, "http_ssl")).toBe(1);
    expect(detail(result, "ssl_earliest_cert_expiry")).toBe(pki.notAfter);
  });

  test("skip_resolve_phase_with_proxy: CONNECT names the target's host", async () => {
    const result = await check("http", `https://localhost:${tlsTarget.port}/`, {
      ...trustTestCa,
      proxy_url: proxyUrl,
      skip_resolve_phase_with_proxy: true,
    });
    expect(result.error).toBeUndefined();
    expect(lines(proxy.requests)).toEqual([`CONNECT localhost:${tlsTarget.port} HTTP/1.1`]);
  });

  test("a target certificate that does not verify fails, and the request is never sent", async () => {
    const result = await check("http", `https://localhost:${tlsTarget.port}/`, {
      proxy_url: proxyUrl,
    });
    expect(result.success).toBe(false);
    expect(result.error).toContain("not trusted");
    expect(proxy.requests).toHaveLength(1);
    expect(tlsTarget.requests).toEqual([]);
  });

  test("a CONNECT the proxy refuses fails with its status, no secret in the error", async () => {
    const result = await check("http", `https://localhost:${tlsTarget.port}/`, {
      ...trustTestCa,
      proxy_url: `http://probe:${encodeURIComponent(password)}@127.0.0.1:${refusingProxy.port}`,
      proxy_connect_header: { "X-Tunnel-Token": ["tok-secret"] },
    });
    expect(result.success).toBe(false);
    expect(result.error).toContain("Proxy Authentication Required");
    expect(result.error).toContain(`127.0.0.1:${refusingProxy.port}`);
    // Nothing shown of the run (error, details: what /checks, --once and /probe print) holds one.
    for (const secret of [
      password,
      encodeURIComponent(password),
      "tok-secret",
      basic("probe", password),
    ])
      expect(JSON.stringify(result)).not.toContain(secret);
  });

  test("bytes the proxy sends behind its 200, before TLS, fail the run naming them", async () => {
    // The target speaks only after the TLS client: these are the proxy's (here a forged answer).
    const result = await check("http", `https://localhost:${tlsTarget.port}/`, {
      ...trustTestCa,
      proxy_url: `http://probe:${encodeURIComponent(password)}@127.0.0.1:${chattyProxy.port}`,
    });
    expect(result.success).toBe(false);
    expect(result.error).toBe(
      `proxy 127.0.0.1:${chattyProxy.port}: CONNECT 127.0.0.1:${tlsTarget.port}: 24 bytes after its 200 response, before TLS`,
    );
    expect(lines(chattyProxy.requests)).toEqual([`CONNECT 127.0.0.1:${tlsTarget.port} HTTP/1.1`]);
    expect(tlsTarget.requests).toEqual([]);
  });

  test("a proxy that is not listening fails naming it, not its password", async () => {
    const { port, close } = await forwardProxy();
    close();
    const result = await check("http", `http://127.0.0.1:${target.port}/`, {
      proxy_url: `http://probe:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    });
    expect(result.success).toBe(false);
    expect(result.error).toContain(`proxy 127.0.0.1:${port}`);
    expect(result.error).not.toContain(password);
    expect(result.error).not.toContain(encodeURIComponent(password));
  });
});

describe("https:// proxies", () => {
  test("TLS to the proxy (verified against the proxy's name), then http or CONNECT inside", async () => {
    const viaTls = { ...trustTestCa, proxy_url: `https://localhost:${tlsProxy.port}` };
    const plain = await check("http", `http://127.0.0.1:${target.port}/`, viaTls);
    expect(plain.error).toBeUndefined();
    expect(detail(plain, "http_ssl")).toBe(0);
    expect(detail(plain, "tls_chain_verified")).toBeUndefined();
    const secure = await check("http", `https://localhost:${tlsTarget.port}/`, {
      ...viaTls,
      preferred_ip_protocol: "ip4",
    });
    expect(secure.error).toBeUndefined();
    expect(lines(tlsProxy.requests)).toEqual([
      `GET http://127.0.0.1:${target.port}/ HTTP/1.1`,
      `CONNECT 127.0.0.1:${tlsTarget.port} HTTP/1.1`,
    ]);
    expect(tlsTarget.requests.map((head) => head.servername)).toEqual(["localhost"]);
  });

  test("a proxy certificate that does not verify fails before anything is sent to it", async () => {
    const result = await check("http", `http://127.0.0.1:${target.port}/`, {
      proxy_url: `https://probe:${encodeURIComponent(password)}@localhost:${tlsProxy.port}`,
    });
    expect(result.success).toBe(false);
    expect(result.error).toContain("not trusted");
    expect(result.error).not.toContain(password);
    expect(tlsProxy.requests).toEqual([]);
  });
});

describe("no_proxy", () => {
  test("a listed address is reached directly", async () => {
    const result = await check("http", `http://127.0.0.1:${target.port}/`, {
      proxy_url: proxyUrl,
      no_proxy: "10.0.0.0/8, 127.0.0.1",
    });
    expect(result.error).toBeUndefined();
    expect(proxy.requests).toEqual([]);
    expect(target.requests).toHaveLength(1);
  });

  test("a host that is not listed goes through the proxy", async () => {
    const result = await check("http", `http://app.example.test:${target.port}/`, {
      proxy_url: proxyUrl,
      no_proxy: "other.test, .example.org",
      skip_resolve_phase_with_proxy: true,
    });
    expect(result.error).toBeUndefined();
    expect(lines(proxy.requests)).toEqual([`GET http://app.example.test:${target.port}/ HTTP/1.1`]);
  });
});

describe("proxy_from_environment", () => {
  const names = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"];
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const name of [...names, "REQUEST_METHOD"]) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
  });
  afterEach(() => {
    for (const name of [...names, "REQUEST_METHOD"]) delete process.env[name];
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved))
      if (value !== undefined) process.env[name] = value;
  });
  const fromEnv = { proxy_from_environment: true, skip_resolve_phase_with_proxy: true };

  test("HTTP_PROXY (or http_proxy), host:port taken as http://, for http targets", async () => {
    for (const name of ["HTTP_PROXY", "http_proxy"]) {
      process.env[name] = `127.0.0.1:${proxy.port}`;
      proxy.requests.length = 0;
      const result = await check("http", `http://app.example.test:${target.port}/`, fromEnv);
      expect(result.error).toBeUndefined();
      expect(lines(proxy.requests)).toEqual([
        `GET http://app.example.test:${target.port}/ HTTP/1.1`,
      ]);
      delete process.env[name];
    }
  });

  test("HTTPS_PROXY for https targets, CONNECT sent with proxy_connect_header", async () => {
    process.env.HTTP_PROXY = "127.0.0.1:9";
    process.env.HTTPS_PROXY = `http://127.0.0.1:${proxy.port}`;
    const result = await check("http", `https://app.example.test:${tlsTarget.port}/`, {
      ...fromEnv,
      tls_config: { ca_file: pki.caFile, server_name: "localhost" },
      proxy_connect_header: { "X-Tunnel-Token": ["tok-env"] },
    });
    expect(result.error).toBeUndefined();
    expect(lines(proxy.requests)).toEqual([`CONNECT app.example.test:${tlsTarget.port} HTTP/1.1`]);
    expect(headerValues(proxy.requests[0], "x-tunnel-token")).toEqual(["tok-env"]);
    expect(tlsTarget.requests.map((head) => head.servername)).toEqual(["localhost"]);
  });

  test("loopback targets are reached directly, as Go's ProxyFromEnvironment does", async () => {
    process.env.HTTP_PROXY = `127.0.0.1:${proxy.port}`;
    const result = await check("http", `http://127.0.0.1:${target.port}/`, {
      proxy_from_environment: true,
    });
    expect(result.error).toBeUndefined();
    expect(proxy.requests).toEqual([]);
    expect(target.requests).toHaveLength(1);
  });

  test("with REQUEST_METHOD set (CGI), HTTP_PROXY is refused and nothing is sent", async () => {
    process.env.HTTP_PROXY = `127.0.0.1:${proxy.port}`;
    process.env.REQUEST_METHOD = "GET";
    const result = await check("http", `http://app.example.test:${target.port}/`, fromEnv);
    expect(result.success).toBe(false);
    expect(result.error).toContain("refusing to use HTTP_PROXY value in CGI environment");
    expect(proxy.requests).toEqual([]);
  });

  test("a socks5 proxy from the environment fails the run naming the scheme", async () => {
    process.env.HTTP_PROXY = `socks5://probe:${encodeURIComponent(password)}@127.0.0.1:1080`;
    const result = await check("http", `http://app.example.test:${target.port}/`, fromEnv);
    expect(result.success).toBe(false);
    expect(result.error).toBe(
      "proxy 127.0.0.1:1080: socks5 proxies are not supported (http:// and https:// are)",
    );
  });

  test("no proxy in the environment: a direct connection", async () => {
    const result = await check("http", `http://127.0.0.1:${target.port}/`, fromEnv);
    expect(result.error).toBeUndefined();
    expect(target.requests).toHaveLength(1);
  });
});

describe("refused when the config loads, as common refuses it, never quoting a secret", () => {
  const url = "http://127.0.0.1:1/";
  const secretUrl = `http://probe:${password}@127.0.0.1:3128`;

  test("combinations common refuses", () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { proxy_connect_header: { "X-Tunnel-Token": ["tok-secret"] } },
        "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured",
      ],
      [
        { proxy_url: secretUrl, proxy_from_environment: true },
        "if proxy_from_environment is configured, proxy_url must not be configured",
      ],
      [
        { proxy_from_environment: true, no_proxy: "localhost" },
        "if proxy_from_environment is configured, no_proxy must not be configured",
      ],
      [{ no_proxy: "localhost" }, "if no_proxy is configured, proxy_url must also be configured"],
    ];
    for (const [settings, message] of cases) {
      const got = refusal("http", url, settings);
      expect(got).toContain(message);
      expect(got).not.toContain(password);
      expect(got).not.toContain("tok-secret");
    }
  });

  test("proxies this client cannot speak to, and header values that would split a request", () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { proxy_url: `socks5://probe:${password}@127.0.0.1:1080` },
        "socks5 proxies are not supported",
      ],
      [{ proxy_url: "ftp://127.0.0.1:21" }, "http:// or https://"],
      [{ proxy_url: "http://" }, "proxy_url"],
      [
        {
          proxy_url: "http://127.0.0.1:3128",
          proxy_connect_header: { "X-T": ["tok-secret\r\nX: 1"] },
        },
        "control characters",
      ],
      [
        { proxy_url: "http://127.0.0.1:3128", proxy_connect_header: { "X T": ["v"] } },
        "header name",
      ],
    ];
    for (const [settings, message] of cases) {
      const got = refusal("http", url, settings);
      expect(got).toContain(message);
      expect(got).not.toContain(password);
      expect(got).not.toContain("tok-secret");
    }
  });

  test("what common accepts", () => {
    for (const settings of [
      { proxy_url: secretUrl, no_proxy: "localhost,.corp", proxy_connect_header: { A: ["b"] } },
      { proxy_from_environment: true, proxy_connect_header: { A: ["b"] } },
      { proxy_url: "", skip_resolve_phase_with_proxy: true },
      { proxy_from_environment: false },
    ])
      expect(refusal("http", url, settings)).toBe("");
  });
});
