/** http target with user:password@ in the URL: sent as basic auth, as Go's client (blackbox) does. */
import { expect, test } from "bun:test";
import { check, detail } from "./helpers.ts";
import { httpTarget } from "./targets.ts";

test("http://user:password@host/ authenticates with basic auth (percent-encoding decoded)", async () => {
  const url = httpTarget().replace("http://", "http://prom:s3cret@");
  const result = await check("http", `${url}/auth`);
  expect(result.error).toBeUndefined();
  expect(detail(result, "http_status_code")).toBe(200);
  const encoded = httpTarget().replace("http://", "http://pr%6Fm:s3cre%74@");
  expect((await check("http", `${encoded}/auth`)).success).toBe(true);
  const wrong = httpTarget().replace("http://", "http://prom:nope@");
  expect(detail(await check("http", `${wrong}/auth`), "http_status_code")).toBe(401);
});
