/**
 * transport_protocol (blackbox_exporter's dns setting, udp by default): tcp sends the query over
 * TCP alone, as a server on 127.0.0.1 listening on both sees it.
 */
import { afterEach, expect, test } from "bun:test";
import { check, checkSpec } from "./helpers.ts";
import { closeLoopbackServers, dnsServer } from "./loopback-servers.ts";

afterEach(closeLoopbackServers);

const settings = { query_name: "example.test", query_type: "A" };

test("transport_protocol tcp asks over TCP, never UDP", async () => {
  const server = await dnsServer(false);
  const result = await check("dns", server.target, { ...settings, transport_protocol: "tcp" });
  expect(result.error).toBeUndefined();
  expect(result.success).toBe(true);
  expect(server.udpPeers).toEqual([]);
  expect(server.tcpPeers).toEqual(["127.0.0.1"]);
  expect(server.tcpQueries.map((query) => query.subarray(13, 20).toString())).toEqual(["example"]);
});

test("udp, the default, asks over UDP alone when the answer is whole", async () => {
  const server = await dnsServer(false);
  for (const transport of [undefined, "udp"])
    expect(
      (await check("dns", server.target, { ...settings, transport_protocol: transport })).success,
    ).toBe(true);
  expect(server.udpPeers).toEqual(["127.0.0.1", "127.0.0.1"]);
  expect(server.tcpPeers).toEqual([]);
});

test("tcp goes with source_ip_address", async () => {
  const server = await dnsServer(false);
  const result = await check("dns", server.target, {
    ...settings,
    transport_protocol: "tcp",
    source_ip_address: "127.0.0.2",
  });
  expect(result.error).toBeUndefined();
  expect(server.tcpPeers).toEqual(["127.0.0.2"]);
});

test("another transport is a config error naming the key", () => {
  expect(() => checkSpec("dns", "127.0.0.1", { ...settings, transport_protocol: "quic" })).toThrow(
    '.dns.transport_protocol: "quic" is not one of udp, tcp',
  );
});
