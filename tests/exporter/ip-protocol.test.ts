/**
 * preferred_ip_protocol with ip_protocol_fallback (blackbox_exporter's default: true): a name
 * without an address of the preferred family is reached over the other one, unless fallback is off.
 * The resolver is a stand-in: which loopback names have which families depends on /etc/hosts
 * (glibc even answers 127.0.0.1 for a ::1-only name asked for IPv4), so no real name is
 * one-family on every machine.
 */
import { describe, expect, test } from "bun:test";
import type { lookup } from "node:dns/promises";
import { parseIpProtocol } from "../../lib/exporter/checks/shared.ts";
import { resolveHost } from "../../lib/exporter/net/dial.ts";

/** A resolver that knows `name` with one IPv4 address only, and nothing else. */
const ipv4Only = (async (name: string, options: { family?: number }) => {
  if (name === "v4only.test" && options.family !== 6) return { address: "192.0.2.7", family: 4 };
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" });
}) as unknown as typeof lookup;

const signal = new AbortController().signal;

describe("ip protocol", () => {
  test("ip6 preferred falls back to IPv4 by default; with ip_protocol_fallback false it fails", async () => {
    const preferIp6 = parseIpProtocol({ preferred_ip_protocol: "ip6" }, "http");
    expect(preferIp6).toEqual({ preferred: "ip6", fallback: true });
    expect(await resolveHost("v4only.test", preferIp6, signal, ipv4Only)).toEqual({
      address: "192.0.2.7",
      family: 4,
    });
    const strict = parseIpProtocol(
      { preferred_ip_protocol: "ip6", ip_protocol_fallback: false },
      "http",
    );
    expect(strict.fallback).toBe(false);
    await expect(resolveHost("v4only.test", strict, signal, ipv4Only)).rejects.toThrow(
      "resolving v4only.test: getaddrinfo ENOTFOUND",
    );
  });

  test("a name unknown in both families names the host, fallback or not", async () => {
    await expect(
      resolveHost("nowhere.test", { preferred: "ip4", fallback: true }, signal, ipv4Only),
    ).rejects.toThrow("resolving nowhere.test");
  });
});
