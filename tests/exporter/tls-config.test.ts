/**
 * tls_config's inline PEM (ca, cert, key) and min_version/max_version, as prometheus/common reads
 * them for blackbox_exporter, against TLS servers on 127.0.0.1 with the test CA.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createServer, type Server, type TlsOptions } from "node:tls";
import { check, checkSpec, detail } from "./helpers.ts";
import { httpsTarget, testPki } from "./targets.ts";

const pki = testPki();
const caPem = readFileSync(pki.caFile, "utf8");
const certPem = readFileSync(pki.certFile, "utf8");
const keyPem = readFileSync(pki.keyFile, "utf8");
const servers: Server[] = [];

afterAll(() => {
  for (const server of servers) server.close();
});

/** A TLS server that greets with the subject of the client's verified certificate, or "anonymous". */
async function tlsGreeter(options: TlsOptions): Promise<string> {
  const server = createServer({ cert: certPem, key: keyPem, ...options }, (socket) => {
    socket.on("error", () => {});
    const peer = socket.authorized ? socket.getPeerCertificate().subject?.CN : undefined;
    socket.end(`hello ${peer ?? "anonymous"}\n`);
  });
  server.on("tlsClientError", () => {});
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return `127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

const parse = (tls: Record<string, unknown>, kind = "http") =>
  checkSpec(kind, kind === "http" ? "https://127.0.0.1/" : "127.0.0.1:1", { tls_config: tls });

describe("inline PEM", () => {
  test("ca: the chain verifies against the inline CA", async () => {
    const result = await check("http", `${httpsTarget()}/`, { tls_config: { ca: caPem } });
    expect(result.error).toBeUndefined();
    expect(detail(result, "tls_chain_verified")).toBe(1);
  });

  test("cert and key: the client certificate is presented (tcp, tls: true)", async () => {
    const target = await tlsGreeter({ ca: caPem, requestCert: true, rejectUnauthorized: false });
    const expectHello = (name: string) => ({ query_response: [{ expect: `^hello ${name}$` }] });
    const tls = { ca: caPem, cert: certPem, key: keyPem };
    const withCert = await check("tcp", target, {
      tls: true,
      tls_config: tls,
      ...expectHello("localhost"),
    });
    expect(withCert.error).toBeUndefined();
    const without = await check("tcp", target, {
      tls: true,
      tls_config: { ca: caPem },
      ...expectHello("localhost"),
    });
    expect(without.success).toBe(false);
  });

  test("a file and its inline form together are refused, as common does", () => {
    expect(() => parse({ ca: caPem, ca_file: pki.caFile })).toThrow("ca and ca_file");
    expect(() => parse({ cert: certPem, cert_file: pki.certFile, key: keyPem })).toThrow(
      "cert and cert_file",
    );
    expect(() => parse({ cert: certPem, key: keyPem, key_file: pki.keyFile })).toThrow(
      "key and key_file",
    );
  });

  test("a certificate without a key (or a key without one) is refused, inline or not", () => {
    expect(() => parse({ cert: certPem })).toThrow("go together");
    expect(() => parse({ key: keyPem }, "tcp")).toThrow("go together");
    expect(() => parse({ cert: certPem, key_file: pki.keyFile })).not.toThrow();
  });

  test("inline PEM that does not parse is refused at load, and the key is never echoed", () => {
    const badKey =
      "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXJrZXI=\n-----END PRIVATE KEY-----\n";
    let message = "";
    try {
      parse({ cert: certPem, key: badKey });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("tls_config.key");
    expect(message).not.toContain("c2VjcmV0");
    expect(() => parse({ ca: "not a certificate" })).toThrow("tls_config.ca");
    const caKey = readFileSync(`${pki.dir}/ca.key`, "utf8");
    expect(() => parse({ cert: certPem, key: caKey })).toThrow("does not match");
  });
});

describe("min_version and max_version", () => {
  test("max_version TLS12 negotiates TLS 1.2 with a server that offers 1.3", async () => {
    const target = await tlsGreeter({});
    const result = await check("tcp", target, {
      tls: true,
      tls_config: { ca: caPem, max_version: "TLS12" },
    });
    expect(result.error).toBeUndefined();
    expect(detail(result, "tls_version_info", { version: "TLS 1.2" })).toBe(1);
  });

  test("min_version TLS13 fails on a server that stops at TLS 1.2", async () => {
    const target = await tlsGreeter({ maxVersion: "TLSv1.2" });
    const tls_config = { ca_file: pki.caFile };
    expect((await check("tcp", target, { tls: true, tls_config })).success).toBe(true);
    const strict = await check("tcp", target, {
      tls: true,
      tls_config: { ...tls_config, min_version: "TLS13" },
    });
    expect(strict.success).toBe(false);
    expect(strict.error).toContain("TLS handshake");
  });

  test("min_version TLS10 reaches a TLS 1.0 server, which the default (TLS 1.2) refuses", async () => {
    const target = await tlsGreeter({ minVersion: "TLSv1", maxVersion: "TLSv1" });
    const tls_config = { ca_file: pki.caFile };
    expect((await check("tcp", target, { tls: true, tls_config })).success).toBe(false);
    const old = await check("tcp", target, {
      tls: true,
      tls_config: { ...tls_config, min_version: "TLS10" },
    });
    expect(old.error).toBeUndefined();
    expect(detail(old, "tls_version_info", { version: "TLS 1.0" })).toBe(1);
  });

  test("unknown versions and max below min are refused naming the key", () => {
    expect(() => parse({ min_version: "TLS14" })).toThrow(
      'tls_config.min_version: unknown TLS version "TLS14"',
    );
    expect(() => parse({ max_version: "1.2" }, "tcp")).toThrow("tls_config.max_version");
    expect(() => parse({ min_version: "TLS13", max_version: "TLS12" })).toThrow(
      "max_version must be greater than or equal to",
    );
    expect(() => parse({ min_version: "TLS12", max_version: "TLS12" })).not.toThrow();
    // Go's client starts at TLS 1.2 when min_version is unset: nothing would be left to offer.
    expect(() => parse({ max_version: "TLS11" })).toThrow("below the default min_version TLS12");
    expect(() => parse({ min_version: "TLS10", max_version: "TLS11" })).not.toThrow();
  });
});

describe("tls_version_info", () => {
  test("labels the version as blackbox's getTLSVersion does (TLS 1.x), for tcp, http and cert", async () => {
    const tls_config = { ca: caPem };
    const versions: [TlsOptions, string][] = [
      [{}, "TLS 1.3"],
      [{ maxVersion: "TLSv1.2" }, "TLS 1.2"],
      [{ minVersion: "TLSv1.1", maxVersion: "TLSv1.1" }, "TLS 1.1"],
    ];
    for (const [options, label] of versions) {
      const target = await tlsGreeter(options);
      const settings = { tls_config: { ...tls_config, min_version: "TLS10" } };
      for (const result of [
        await check("tcp", target, { tls: true, ...settings }),
        await check("cert", target, settings),
      ]) {
        expect(result.error).toBeUndefined();
        expect(detail(result, "tls_version_info", { version: label })).toBe(1);
      }
    }
    const https = await check("http", `${httpsTarget()}/`, { tls_config });
    expect(https.error).toBeUndefined();
    expect(detail(https, "tls_version_info", { version: "TLS 1.3" })).toBe(1);
  });
});
