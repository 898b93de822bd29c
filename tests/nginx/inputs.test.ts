/** Rotated sets in the order their lines were written: oldest first, the live file last. */
import { expect, test } from "bun:test";
import { linkSync, rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { expandInputs, sortRotated } from "../../lib/nginx/inputs.ts";
import { tempDir } from "../env/service.ts";

test("numbered rotations (logrotate's default): highest number first, the live file last", () => {
  expect(
    sortRotated([
      "/l/access.log",
      "/l/access.log.1",
      "/l/access.log.10.gz",
      "/l/access.log.2.gz",
      "/l/error.log",
      "/l/error.log.1",
    ]),
  ).toEqual([
    "/l/access.log.10.gz",
    "/l/access.log.2.gz",
    "/l/access.log.1",
    "/l/access.log",
    "/l/error.log.1",
    "/l/error.log",
  ]);
});

test("dated rotations (logrotate dateext): oldest date first, the live file last", () => {
  expect(
    sortRotated([
      "/l/access.log",
      "/l/access.log-20240102",
      "/l/access.log-20231231.gz",
      "/l/access.log-20240101.gz",
    ]),
  ).toEqual([
    "/l/access.log-20231231.gz",
    "/l/access.log-20240101.gz",
    "/l/access.log-20240102",
    "/l/access.log",
  ]);
  // dateformat -%Y%m%d%H (hourly) and .%Y-%m-%d.
  expect(
    sortRotated([
      "/l/a.log",
      "/l/a.log-2024010213.gz",
      "/l/a.log-2024010209",
      "/l/a.log-2024010123",
    ]),
  ).toEqual(["/l/a.log-2024010123", "/l/a.log-2024010209", "/l/a.log-2024010213.gz", "/l/a.log"]);
  expect(sortRotated(["/l/b.log", "/l/b.log.2024-01-02", "/l/b.log.2024-01-01.gz"])).toEqual([
    "/l/b.log.2024-01-01.gz",
    "/l/b.log.2024-01-02",
    "/l/b.log",
  ]);
});

test("a file name given as bytes (not UTF-8) is made absolute as a text one is: ./ and ../ resolved", () => {
  const dir = tempDir("nginxlog-inputs");
  try {
    const latin1 = (text: string) => Buffer.concat([Buffer.from(text), Buffer.from([0xe9])]);
    writeFileSync(latin1(`${dir}/caf`), "");
    for (const given of [latin1("./caf"), latin1(`../${basename(dir)}/caf`)]) {
      const { sources, errors } = expandInputs([given], dir);
      expect(errors).toEqual([]);
      // The same absolute bytes, so the report names the file as it names a text one.
      expect(sources.map((source) => source.kind !== "stdin" && source.path)).toEqual([
        latin1(`${dir}/caf`),
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a file given twice (by name and by a glob, or a hard link) is read once, with a warning", () => {
  const dir = tempDir("nginxlog-inputs-twice");
  try {
    writeFileSync(`${dir}/access.log`, "");
    writeFileSync(`${dir}/access.log.1`, "");
    linkSync(`${dir}/access.log.1`, `${dir}/hard.log`);
    const { sources, errors, warnings } = expandInputs(
      ["access.log", "access.log*", "hard.log", "./access.log"],
      dir,
    );
    expect(errors).toEqual([]);
    expect(sources.map((source) => source.kind !== "stdin" && source.path)).toEqual([
      `${dir}/access.log`,
      `${dir}/access.log.1`,
    ]);
    expect(warnings).toEqual([
      `${dir}/access.log: the same file as access.log, already given; read once`,
      `hard.log: the same file as ${dir}/access.log.1, already given; read once`,
      "./access.log: the same file as access.log, already given; read once",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
