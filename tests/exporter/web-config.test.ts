/** Basic auth of the exporter-toolkit web config, without a server: the header parsing. */
import { describe, expect, test } from "bun:test";
import { BasicAuth } from "../../lib/exporter/web-config.ts";

const request = (authorization: string) =>
  new Request("http://127.0.0.1/metrics", { headers: { authorization } });

describe("BasicAuth", () => {
  test("the scheme is case-insensitive (RFC 7617)", async () => {
    const hash = await Bun.password.hash("s3cret", { algorithm: "bcrypt", cost: 4 });
    const auth = new BasicAuth(new Map([["prometheus", hash]]));
    const credentials = btoa("prometheus:s3cret");
    for (const scheme of ["Basic", "basic", "BASIC"])
      expect(`${scheme} ${await auth.check(request(`${scheme} ${credentials}`))}`).toBe(
        `${scheme} true`,
      );
    expect(await auth.check(request(`Bearer ${credentials}`))).toBe(false);
  });
});
