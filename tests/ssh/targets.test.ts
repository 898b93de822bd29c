/** collectTargets' --limit @FILE: read as Ansible reads it, one pattern per line, comments skipped. */
import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectTargets } from "../../lib/ssh/targets.ts";

const dir = mkdtempSync(join(tmpdir(), "sshping-targets-"));
const limitFile = join(dir, "retry");
writeFileSync(limitFile, "# retried from cron\nweb*\n\n  db1  \n");

test("--limit @FILE over an inventory: each line a pattern; a comment line's words are not hosts", async () => {
  const inventory = join(dir, "hosts.ini");
  writeFileSync(inventory, "[web]\nweb1\nweb2\n[db]\ndb1\ndb2\n[ops]\ncron\nfrom\n");
  const targets = await collectTargets({
    args: [],
    hostsFiles: [],
    inventories: [inventory],
    limit: `@${limitFile}`,
  });
  expect(targets.map((target) => target.name).sort()).toEqual(["db1", "web1", "web2"]);
});

test("--limit @FILE over hosts given on the command line: the names in it, nothing from comments", async () => {
  const targets = await collectTargets({
    args: ["db1", "db2", "cron", "from"],
    hostsFiles: [],
    inventories: [],
    limit: `@${limitFile}`,
  });
  expect(targets.map((target) => target.name)).toEqual(["db1"]);
});
