/** http redirects to another origin: no credentials follow, whichever key they were set with. */
import { afterAll, expect, test } from "bun:test";
import { check } from "./helpers.ts";

const seen: Record<string, string | null>[] = [];
const elsewhere = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request) {
    seen.push({
      authorization: request.headers.get("authorization"),
      cookie: request.headers.get("cookie"),
      "proxy-authorization": request.headers.get("proxy-authorization"),
      "x-app": request.headers.get("x-app"),
    });
    return new Response("ok\n");
  },
});
const origin = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () => Response.redirect(`http://127.0.0.1:${elsewhere.port}/landed`, 302),
});
afterAll(() => {
  elsewhere.stop(true);
  origin.stop(true);
});

test("Authorization, Cookie and Proxy-Authorization from `headers` are not sent to another origin", async () => {
  seen.length = 0;
  const result = await check("http", `http://127.0.0.1:${origin.port}/`, {
    headers: {
      authorization: "Bearer from-headers",
      Cookie: "session=s3cret",
      "Proxy-Authorization": "Basic cHJveHk6cHc=",
      "X-App": "kept",
    },
  });
  expect(result.error).toBeUndefined();
  expect(seen).toEqual([
    { authorization: null, cookie: null, "proxy-authorization": null, "x-app": "kept" },
  ]);
});
