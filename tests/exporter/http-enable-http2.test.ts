/**
 * http enable_http2 (prometheus/common's, true by default in blackbox_exporter): the check speaks
 * HTTP/1.1 only, so `false` is what it does and is accepted; `true` is refused rather than ignored.
 * The server on 127.0.0.1 would answer HTTP/2 to a client that offered it (ALPN h2).
 */
import { afterAll, expect, test } from "bun:test";
import { createSecureServer } from "node:http2";
import { check, checkSpec, detail } from "./helpers.ts";
import { testPki } from "./targets.ts";

const pki = testPki();
const server = createSecureServer(
  {
    cert: await Bun.file(pki.certFile).text(),
    key: await Bun.file(pki.keyFile).text(),
    allowHTTP1: true,
  },
  (request, response) => response.end(`HTTP/${request.httpVersion}\n`),
);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const address = server.address();
const target = `https://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`;
afterAll(() => server.close());

test("enable_http2: false talks HTTP/1.1 to a server that offers HTTP/2", async () => {
  const result = await check("http", target, {
    enable_http2: false,
    tls_config: { ca_file: pki.caFile },
    fail_if_body_not_matches_regexp: ["^HTTP/1\\.1\\n$"],
  });
  expect(result.error).toBeUndefined();
  expect(detail(result, "http_version")).toBe(1.1);
});

test("enable_http2: true (HTTP/2 is not spoken) and a non-boolean are refused naming the key", () => {
  expect(() => checkSpec("http", target, { enable_http2: true })).toThrow(
    "http.enable_http2: true is not supported: the http check speaks HTTP/1.1 only",
  );
  expect(() => checkSpec("http", target, { enable_http2: "no" })).toThrow(
    "http.enable_http2: expected true or false",
  );
});
