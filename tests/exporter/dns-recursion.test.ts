/**
 * recursion_desired (blackbox_exporter's dns setting, default true): the query's RD bit, as a
 * server on 127.0.0.1 receives it.
 */
import { afterEach, expect, test } from "bun:test";
import { check } from "./helpers.ts";
import { closeLoopbackServers, dnsServer } from "./loopback-servers.ts";

afterEach(closeLoopbackServers);

/** RD is the lowest bit of the header's third byte. */
const recursionDesired = (query: Buffer) => ((query[2] as number) & 0x01) === 1;

test("queries ask for recursion unless recursion_desired is false", async () => {
  const server = await dnsServer(false);
  for (const recursion of [undefined, true, false]) {
    const settings = { query_name: "example.test", recursion_desired: recursion };
    const result = await check("dns", server.target, settings);
    expect(result.error).toBeUndefined();
    expect(result.success).toBe(true);
  }
  expect(server.queries.map(recursionDesired)).toEqual([true, true, false]);
});
