import { expect, test } from "bun:test";
import { hostPort } from "../../lib/ssh/address.ts";

test("hostPort brackets IPv6 addresses only", () => {
  expect(hostPort("::1", 22)).toBe("[::1]:22");
  expect(hostPort("fe80::1%eth0", 2222)).toBe("[fe80::1%eth0]:2222");
  expect(hostPort("10.0.0.1", 22)).toBe("10.0.0.1:22");
  expect(hostPort("web1.example", 2222)).toBe("web1.example:2222");
});
