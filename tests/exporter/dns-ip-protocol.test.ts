/**
 * preferred_ip_protocol and ip_protocol_fallback of a dns check (blackbox_exporter: ip6 and true
 * by default): they choose the address a DNS server given by name is reached at, and so the
 * socket's family. Which family a real name has depends on /etc/hosts, so the choice itself is
 * tested with a stand-in resolver; a server on 127.0.0.1 reached as localhost over IPv4 shows the
 * settings are read and used.
 */
import { afterEach, expect, test } from "bun:test";
import type { lookup } from "node:dns/promises";
import { dnsCheck, dnsServerAddress } from "../../lib/exporter/checks/dns.ts";
import { check, checkSpec, detail } from "./helpers.ts";
import { closeLoopbackServers, dnsServer } from "./loopback-servers.ts";

afterEach(closeLoopbackServers);

/** dual.test has both families (IPv4 first when either will do), v4only.test IPv4 alone. */
const standIn = (async (name: string, options: { family?: number }) => {
  if (name === "dual.test" && options.family === 6) return { address: "2001:db8::53", family: 6 };
  if ((name === "dual.test" || name === "v4only.test") && options.family !== 6)
    return { address: "192.0.2.53", family: 4 };
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" });
}) as unknown as typeof lookup;

const signal = new AbortController().signal;
const serverOf = (target: string, settings: Record<string, unknown>) =>
  dnsServerAddress(
    target,
    dnsCheck.parse({ query_name: "x.test", ...settings }, "dns"),
    signal,
    standIn,
  );

test("a server name is resolved preferring IPv6 unless preferred_ip_protocol says ip4", async () => {
  expect(await serverOf("dual.test:5353", {})).toEqual({
    address: "2001:db8::53",
    family: 6,
    port: 5353,
  });
  expect(await serverOf("dual.test", { preferred_ip_protocol: "ip4" })).toEqual({
    address: "192.0.2.53",
    family: 4,
    port: 53,
  });
});

test("a name without the preferred family falls back to the other unless told not to", async () => {
  expect(await serverOf("v4only.test", {})).toEqual({
    address: "192.0.2.53",
    family: 4,
    port: 53,
  });
  await expect(serverOf("v4only.test", { ip_protocol_fallback: false })).rejects.toThrow(
    "resolving v4only.test",
  );
});

test("a server on 127.0.0.1 is reached as localhost with ip4 and no fallback", async () => {
  const server = await dnsServer(false);
  const port = server.target.split(":")[1];
  const result = await check("dns", `localhost:${port}`, {
    query_name: "example.test",
    preferred_ip_protocol: "ip4",
    ip_protocol_fallback: false,
  });
  expect(result.error).toBeUndefined();
  expect(result.success).toBe(true);
  expect(detail(result, "ip_protocol")).toBe(4);
  expect(server.udpPeers).toEqual(["127.0.0.1"]);
});

test("preferred_ip_protocol other than ip4/ip6 and a non-boolean fallback are config errors", () => {
  expect(() =>
    checkSpec("dns", "127.0.0.1", { query_name: "x.test", preferred_ip_protocol: "ip7" }),
  ).toThrow('.dns.preferred_ip_protocol: "ip7" is not one of');
  expect(() =>
    checkSpec("dns", "127.0.0.1", { query_name: "x.test", ip_protocol_fallback: "no" }),
  ).toThrow(".dns.ip_protocol_fallback: expected true or false");
});
