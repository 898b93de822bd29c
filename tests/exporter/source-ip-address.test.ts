/**
 * source_ip_address (blackbox_exporter's tcp, dns and icmp setting): the probe's socket is bound to
 * that local address before it connects. Servers on 127.0.0.1 record the peer's address; the
 * probe binds 127.0.0.2 (all of 127.0.0.0/8 is local on Linux), so the server sees that one.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { check, checkSpec } from "./helpers.ts";
import { closeLoopbackServers, dnsServer, tcpServer } from "./loopback-servers.ts";

afterEach(closeLoopbackServers);

describe("tcp source_ip_address", () => {
  test("the connection comes from the given address", async () => {
    const server = await tcpServer("220 ready\n");
    const target = `127.0.0.1:${server.port}`;
    const steps = { query_response: [{ expect: "^220" }] };
    const result = await check("tcp", target, { ...steps, source_ip_address: "127.0.0.2" });
    expect(result.error).toBeUndefined();
    expect(result.success).toBe(true);
    expect((await check("tcp", target, steps)).success).toBe(true);
    expect(server.peers).toEqual(["127.0.0.2", "127.0.0.1"]);
  });

  test("an address of the other family than the target's fails the check, naming both", async () => {
    const server = await tcpServer("hi\n");
    const result = await check("tcp", `127.0.0.1:${server.port}`, { source_ip_address: "::1" });
    expect(result.success).toBe(false);
    expect(result.error).toContain("source_ip_address ::1 is IPv6, 127.0.0.1 is IPv4");
    expect(server.peers).toEqual([]);
  });

  test("what is not an IP address is refused at config time", () => {
    for (const bad of ["localhost", "127.0.0.01", "fe80::1%lo", "127.0.0.2:80"])
      expect(() => checkSpec("tcp", "127.0.0.1:1", { source_ip_address: bad })).toThrow(
        `.tcp.source_ip_address: "${bad}" is not an IP address`,
      );
  });
});

describe("dns source_ip_address", () => {
  test("the UDP query comes from the given address", async () => {
    const server = await dnsServer(false);
    const settings = { query_name: "example.test", query_type: "A" };
    const result = await check("dns", server.target, {
      ...settings,
      source_ip_address: "127.0.0.2",
    });
    expect(result.error).toBeUndefined();
    expect(result.success).toBe(true);
    expect((await check("dns", server.target, settings)).success).toBe(true);
    expect(server.udpPeers).toEqual(["127.0.0.2", "127.0.0.1"]);
  });

  test("so does the TCP query that follows a truncated answer", async () => {
    const server = await dnsServer(true);
    const result = await check("dns", server.target, {
      query_name: "example.test",
      source_ip_address: "127.0.0.2",
    });
    expect(result.error).toBeUndefined();
    expect(result.success).toBe(true);
    expect(server.udpPeers).toEqual(["127.0.0.2"]);
    expect(server.tcpPeers).toEqual(["127.0.0.2"]);
  });
});
