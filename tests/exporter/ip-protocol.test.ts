/**
 * preferred_ip_protocol with ip_protocol_fallback (blackbox_exporter's default: true): a name
 * without an address of the preferred family is reached over the other one, unless fallback is off.
 */
import { afterAll, expect, test } from "bun:test";
import { lookup } from "node:dns/promises";
import { check, detail } from "./helpers.ts";

/** "localhost" when it has an IPv4 address and no IPv6 one (as in /etc/hosts here), else none. */
async function ipv4OnlyName(): Promise<string | undefined> {
  const has = (family: 4 | 6) =>
    lookup("localhost", { family }).then(
      () => true,
      () => false,
    );
  return (await has(4)) && !(await has(6)) ? "localhost" : undefined;
}

const name = await ipv4OnlyName();
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok\n") });
afterAll(() => server.stop(true));

test.skipIf(name === undefined)(
  "preferred_ip_protocol ip6 falls back to IPv4; with ip_protocol_fallback false it fails",
  async () => {
    const url = `http://${name}:${server.port}/`;
    const fallback = await check("http", url, { preferred_ip_protocol: "ip6" });
    expect(fallback.error).toBeUndefined();
    expect(detail(fallback, "ip_protocol")).toBe(4);
    const tcp = await check("tcp", `${name}:${server.port}`, { preferred_ip_protocol: "ip6" });
    expect(tcp.error).toBeUndefined();
    const strict = await check("http", url, {
      preferred_ip_protocol: "ip6",
      ip_protocol_fallback: false,
    });
    expect(strict.success).toBe(false);
    expect(strict.error).toContain(`resolving ${name}`);
  },
);
