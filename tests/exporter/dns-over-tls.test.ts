/**
 * dns_over_tls with tls_config (blackbox_exporter's dns settings; transport_protocol tcp only):
 * the query goes over TLS to a server on 127.0.0.1 whose certificate (test CA, for localhost and
 * 127.0.0.1) must verify for the target's host, or tls_config's server_name, unless
 * insecure_skip_verify. Port 853 unless the target gives one.
 */
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dnsCheck, dnsServerAddress } from "../../lib/exporter/checks/dns.ts";
import { check, checkSpec } from "./helpers.ts";
import { closeLoopbackServers, dnsOverTlsServer } from "./loopback-servers.ts";
import { testPki } from "./targets.ts";

afterEach(closeLoopbackServers);

const pki = testPki();
const certificate = {
  cert: readFileSync(pki.certFile, "utf8"),
  key: readFileSync(pki.keyFile, "utf8"),
};
const dot = { query_name: "example.test", transport_protocol: "tcp", dns_over_tls: true };

test("the query goes over TLS to a server whose certificate verifies", async () => {
  const server = await dnsOverTlsServer(certificate);
  const result = await check("dns", server.target, { ...dot, tls_config: { ca_file: pki.caFile } });
  expect(result.error).toBeUndefined();
  expect(result.success).toBe(true);
  expect(server.queries.map((query) => query.subarray(13, 20).toString())).toEqual(["example"]);
});

test("an untrusted certificate, or one for another name, fails unless insecure_skip_verify", async () => {
  const server = await dnsOverTlsServer(certificate);
  const untrusted = await check("dns", server.target, dot);
  expect(untrusted.success).toBe(false);
  expect(untrusted.error).toContain("TLS certificate not trusted");
  const otherName = await check("dns", server.target, {
    ...dot,
    tls_config: { ca_file: pki.caFile, server_name: "other.test" },
  });
  expect(otherName.success).toBe(false);
  expect(otherName.error).toContain("TLS certificate not trusted");
  const skipped = await check("dns", server.target, {
    ...dot,
    tls_config: { insecure_skip_verify: true },
  });
  expect(skipped.error).toBeUndefined();
  expect(skipped.success).toBe(true);
  expect(server.queries.length).toBe(1);
});

test("a target without a port is asked on 853", async () => {
  const settings = dnsCheck.parse(dot, "dns");
  const signal = new AbortController().signal;
  expect((await dnsServerAddress("127.0.0.1", settings, signal)).port).toBe(853);
  expect((await dnsServerAddress("127.0.0.1:8853", settings, signal)).port).toBe(8853);
});

test("dns_over_tls over udp, the default transport, is a config error naming both keys", () => {
  const { transport_protocol: _, ...overUdp } = dot;
  expect(() => checkSpec("dns", "127.0.0.1", overUdp)).toThrow(
    ".dns.dns_over_tls: needs transport_protocol: tcp",
  );
});
