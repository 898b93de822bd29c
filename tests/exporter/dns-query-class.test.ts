/**
 * query_class (blackbox_exporter's dns setting, IN by default; CH for version.bind and the like):
 * the question's class, as a server on 127.0.0.1 receives it.
 */
import { afterEach, expect, test } from "bun:test";
import { check, checkSpec } from "./helpers.ts";
import { closeLoopbackServers, dnsServer } from "./loopback-servers.ts";

afterEach(closeLoopbackServers);

/** The question's class: the query's last two bytes (one question, no EDNS record). */
const questionClass = (query: Buffer) => query.readUInt16BE(query.length - 2);

test("the question has class IN unless query_class names another", async () => {
  const server = await dnsServer(false);
  for (const queryClass of [undefined, "IN", "CH", "HS", "ANY"]) {
    const settings = { query_name: "version.bind", query_type: "TXT", query_class: queryClass };
    const result = await check("dns", server.target, settings);
    expect(result.error).toBeUndefined();
    expect(result.success).toBe(true);
  }
  expect(server.queries.map(questionClass)).toEqual([1, 1, 3, 4, 255]);
});

test("a class miekg/dns does not know is a config error naming the key", () => {
  expect(() =>
    checkSpec("dns", "127.0.0.1", { query_name: "version.bind", query_class: "CHAOS" }),
  ).toThrow('.dns.query_class: "CHAOS" is not one of IN, CS, CH, HS, NONE, ANY');
});

test("query_type ANY (blackbox_exporter's default) is asked as type 255", async () => {
  const server = await dnsServer(false);
  const result = await check("dns", server.target, { query_name: "svc.test", query_type: "any" });
  expect(result.error).toBeUndefined();
  // The question's type: the two bytes before its class.
  expect(server.queries.map((query) => query.readUInt16BE(query.length - 4))).toEqual([255]);
});
