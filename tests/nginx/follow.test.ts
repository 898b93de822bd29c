/** followFile's errors name the path and the reason before any polling starts. */
import { expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Analyzer } from "../../lib/nginx/analyzer.ts";
import { followFile } from "../../lib/nginx/follow.ts";
import { resolveFormat } from "../../lib/nginx/format.ts";
import { tempDir } from "../env/service.ts";

const follow = (path: string) =>
  followFile({
    path,
    analyzer: new Analyzer({ format: resolveFormat("combined") }),
    signal: AbortSignal.timeout(2000),
  });

test("--follow of a directory or a missing file: an error naming the path and the reason", async () => {
  const dir = join(tempDir("nginxlog-follow"), "logs");
  mkdirSync(dir);
  await expect(follow(dir)).rejects.toThrow(`${dir}: is a directory`);
  await expect(follow(join(dir, "nope.log"))).rejects.toThrow(
    `${join(dir, "nope.log")}: cannot open for --follow: no such file`,
  );
});
