import { expect, test } from "bun:test";
import { hidePassword } from "../../lib/cli/redact.ts";

test("hidePassword: a URL's password becomes xxxxx; anything else is left as it is", () => {
  expect(hidePassword("http://ops:s3cr3t@gw:9091/x")).toBe("http://ops:xxxxx@gw:9091/x");
  expect(hidePassword("https://:tok@gw/")).toBe("https://:xxxxx@gw/");
  for (const text of ["http://ops@gw:9091/", "http://gw:9091/", "user@host", "not a url", ""])
    expect(hidePassword(text)).toBe(text);
});
