/** The exporter-toolkit web config without a server: reading the file, basic auth's header and bcrypt calls. */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BasicAuth, loadWebConfig } from "../../lib/exporter/web-config.ts";
import { scratchDir } from "./scratch.ts";

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

describe("loadWebConfig http_server_config", () => {
  const dir = scratchDir("exporter-web-config");
  const load = (text: string) => {
    const path = join(dir, "web.yml");
    writeFileSync(path, text);
    return loadWebConfig(path);
  };

  test("headers are read", async () => {
    const web = await load("http_server_config:\n  headers:\n    X-Frame-Options: deny\n");
    expect(web.headers).toEqual({ "X-Frame-Options": "deny" });
  });

  test("what is not a mapping, or a key it does not know, is an error naming the key", async () => {
    const cases: [string, string][] = [
      ["http_server_config: [headers]\n", "http_server_config: expected a mapping"],
      [
        "http_server_config:\n  headers: nosniff\n",
        "http_server_config.headers: expected a mapping",
      ],
      ["http_server_config:\n  header: { X-Frame-Options: deny }\n", 'unknown key "header"'],
      [
        "http_server_config:\n  headers: { X-Frame-Options: [deny] }\n",
        "http_server_config.headers.X-Frame-Options: expected a string",
      ],
    ];
    for (const [text, message] of cases) await expect(load(text)).rejects.toThrow(message);
    // exporter-toolkit's http2 switch is accepted so the same file serves node_exporter.
    expect((await load("http_server_config:\n  http2: false\n")).headers).toEqual({});
  });

  test("only exporter-toolkit's security headers, with its values where it fixes them", async () => {
    const web = await load(
      "http_server_config:\n  headers:\n    Strict-Transport-Security: max-age=31536000\n    X-Content-Type-Options: nosniff\n    Content-Security-Policy: default-src 'none'\n",
    );
    expect(Object.keys(web.headers)).toEqual([
      "Strict-Transport-Security",
      "X-Content-Type-Options",
      "Content-Security-Policy",
    ]);
    // Content-Type would break every scrape; a name with a space would fail every response.
    for (const name of ["Content-Type", "Access-Control-Allow-Origin", "Bad Name"])
      await expect(load(`http_server_config:\n  headers:\n    ${name}: x\n`)).rejects.toThrow(
        `http_server_config.headers.${name}: cannot be configured`,
      );
    await expect(
      load("http_server_config:\n  headers:\n    X-Frame-Options: allow-from x\n"),
    ).rejects.toThrow('http_server_config.headers.X-Frame-Options: "allow-from x" is not one of');
  });
});
