/** Basic auth of the exporter-toolkit web config, without a server: the header parsing and bcrypt calls. */
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

  test("an unknown user costs a bcrypt comparison like a known one (no user enumeration)", async () => {
    const hash = await Bun.password.hash("s3cret", { algorithm: "bcrypt", cost: 5 });
    const compared: string[] = [];
    const auth = new BasicAuth(new Map([["prometheus", hash]]), async (password, against) => {
      compared.push(against);
      return Bun.password.verify(password, against, "bcrypt");
    });
    expect(await auth.check(request(`Basic ${btoa("nobody:s3cret")}`))).toBe(false);
    expect(compared).toHaveLength(1);
    // A dummy hash of the configured cost, never the user's: its password cannot log anyone in.
    expect(compared[0]).toStartWith("$2b$05$");
    expect(compared[0]).not.toBe(hash);
    expect(await auth.check(request(`Basic ${btoa("prometheus:nope")}`))).toBe(false);
    expect(compared).toHaveLength(2);
  });
});
