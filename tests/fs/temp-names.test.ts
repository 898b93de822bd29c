import { describe, expect, test } from "bun:test";
import { logEndOfTemp, logNameOfTemp, tempPathFor } from "../../lib/fs/clean/temp-names.ts";

describe("compression temp names", () => {
  test("each attempt gets its own name, recognized as the temp of its log", () => {
    const a = tempPathFor("/var/log/app.log") as string;
    const b = tempPathFor("/var/log/app.log") as string;
    expect(a).not.toBe(b);
    expect(a).toMatch(/^\/var\/log\/app\.log\.gz\.tmp\.[0-9a-f]{12}$/);
    expect(logNameOfTemp(a.slice("/var/log/".length))).toBe("app.log");
  });

  const cases: [string, string | undefined][] = [
    ["app.log.gz.tmp", "app.log"], // what versions before the unique names wrote
    ["app.log.gz.tmp.0123456789ab", "app.log"],
    ["app.log.gz.tmp.0123456789AB", undefined],
    ["app.log.gz.tmp.0123456789a", undefined],
    ["app.log.gz.tmp.x0123456789ab", undefined],
    ["app.log.gz.tmpx", undefined],
    ["app.log.gz", undefined],
    ["app.log", undefined],
    ["0123456789ab", undefined],
    [".gz.tmp", ""],
  ];
  for (const [name, log] of cases) {
    test(`${JSON.stringify(name)} -> ${JSON.stringify(log)}, on text and on bytes`, () => {
      expect(logNameOfTemp(name)).toBe(log);
      const buf = Buffer.from(`xx${name}yy`);
      const end = logEndOfTemp(buf, 2, buf.length - 2);
      expect(end < 0 ? undefined : buf.toString("latin1", 2, end)).toBe(log);
    });
  }
});
