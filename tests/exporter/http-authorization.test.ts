/**
 * http `authorization` {type, credentials | credentials_file} and basic_auth.username_file, as
 * prometheus/common reads them for blackbox_exporter, against a server on 127.0.0.1 that records
 * the Authorization header it gets.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { check, refusal } from "./helpers.ts";
import { closeLoopbackServers, headerRecorder } from "./loopback-servers.ts";
import { scratchDir } from "./scratch.ts";

const { target, seen, elsewhereSeen } = headerRecorder("authorization");
afterAll(closeLoopbackServers);
const dir = scratchDir("http-authorization");

/** The Authorization header one run of the check sent. */
async function sent(settings: Record<string, unknown>): Promise<string | null | undefined> {
  seen.length = 0;
  const result = await check("http", target, settings);
  expect(result.error).toBeUndefined();
  return seen[0];
}

const refused = (settings: Record<string, unknown>) => refusal("http", target, settings);

describe("authorization", () => {
  test("credentials with the default type Bearer, or the type given", async () => {
    expect(await sent({ authorization: { credentials: "tok-1" } })).toBe("Bearer tok-1");
    expect(await sent({ authorization: { type: " Token ", credentials: "tok-2" } })).toBe(
      "Token tok-2",
    );
  });

  test("credentials_file is read (trimmed) at every run, so a rotated secret is used", async () => {
    const file = join(dir, "token");
    writeFileSync(file, "first-token\n");
    const settings = { authorization: { type: "Bearer", credentials_file: file } };
    expect(await sent(settings)).toBe("Bearer first-token");
    writeFileSync(file, "second-token\n");
    expect(await sent(settings)).toBe("Bearer second-token");
  });

  test("a missing credentials_file fails the run naming the file, not sending anything", async () => {
    seen.length = 0;
    const file = join(dir, "absent");
    const result = await check("http", target, { authorization: { credentials_file: file } });
    expect(result.success).toBe(false);
    expect(result.error).toContain(file);
    expect(seen).toEqual([]);
  });

  test("not sent to a redirect's other origin", async () => {
    elsewhereSeen.length = 0;
    const result = await check("http", `${target}away`, {
      authorization: { credentials: "tok-away" },
    });
    expect(result.error).toBeUndefined();
    expect(elsewhereSeen).toEqual([null]);
  });

  test("refused as common refuses it, never quoting the credentials", () => {
    const secret = "s3cret-credential";
    const cases: [Record<string, unknown>, string][] = [
      [
        { authorization: { credentials: secret }, basic_auth: { username: "u" } },
        "authorization and basic_auth exclude each other",
      ],
      [
        { authorization: { credentials: secret }, bearer_token: "b" },
        "authorization is not compatible with bearer_token and bearer_token_file",
      ],
      [
        { authorization: { credentials: secret, credentials_file: "/f" } },
        "credentials and credentials_file exclude each other",
      ],
      [{ authorization: { type: "Basic", credentials: secret } }, 'use "basic_auth"'],
      [{ authorization: { credentials: secret, token: "x" } }, 'unknown key "token"'],
    ];
    for (const [settings, message] of cases) {
      const error = refused(settings);
      expect(error).toContain(message);
      expect(error).not.toContain(secret);
    }
  });
});

describe("basic_auth.username_file", () => {
  test("the user name is read from the file (trimmed) at every run", async () => {
    const file = join(dir, "user");
    writeFileSync(file, "prom\n");
    const settings = { basic_auth: { username_file: file, password: "pw" } };
    expect(await sent(settings)).toBe(`Basic ${btoa("prom:pw")}`);
    writeFileSync(file, "graf\n");
    expect(await sent(settings)).toBe(`Basic ${btoa("graf:pw")}`);
    const passwordFile = join(dir, "password");
    writeFileSync(passwordFile, "from-file\n");
    const both = { basic_auth: { username_file: file, password_file: passwordFile } };
    expect(await sent(both)).toBe(`Basic ${btoa("graf:from-file")}`);
  });

  test("username and username_file together are refused", () => {
    expect(
      refused({ basic_auth: { username: "u", username_file: "/f", password: "p" } }),
    ).toContain("username and username_file exclude each other");
  });
});

describe("an Authorization header in headers", () => {
  test("is kept, whatever its case, over basic_auth, bearer_token and authorization (as common)", async () => {
    const credentials = [
      { basic_auth: { username: "u", password: "p" } },
      { bearer_token: "tok-configured" },
      { authorization: { type: "Token", credentials: "tok-configured" } },
      // common returns before reading the file: a missing one is no failure.
      { authorization: { credentials_file: join(dir, "absent") } },
    ];
    for (const name of ["Authorization", "authorization", "AUTHORIZATION"])
      for (const configured of credentials)
        expect(await sent({ headers: { [name]: "Bearer from-headers" }, ...configured })).toBe(
          "Bearer from-headers",
        );
  });
});
