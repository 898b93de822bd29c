import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inventoryTarget, loadInventory } from "../../lib/ssh/inventory/load.ts";
import { selectHosts } from "../../lib/ssh/inventory/pattern.ts";

const dir = mkdtempSync(join(tmpdir(), "sshping-inv-script-"));

/** Writes an executable inventory script into the test's directory. */
function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body, { mode: 0o755 });
  return path;
}

const listing = {
  web: { hosts: ["web1", "web2"], vars: { ansible_user: "deploy", ansible_port: 2200 } },
  db: ["db1"],
  prod: { children: ["web", "db"], vars: { ansible_user: "produser" } },
  all: { vars: { ansible_ssh_private_key_file: "/keys/fleet" } },
  _meta: {
    hostvars: {
      web2: { ansible_host: "10.0.0.2", ansible_port: 2222 },
      db1: { ansible_host: "10.0.0.20", ansible_user: "dba" },
    },
  },
};

describe("executable (dynamic) inventories", () => {
  test("run with --list, no shell; groups, children, group vars and _meta.hostvars", () => {
    // Python, as most dynamic inventories are. It records its arguments; the space in its
    // path would split a shell command line.
    const argvLog = join(dir, "python-argv.json");
    mkdirSync(join(dir, "my inventories"));
    const path = script(
      "my inventories/cloud.py",
      `#!/usr/bin/env python3
import json, sys
with open(${JSON.stringify(argvLog)}, "w") as f:
    json.dump(sys.argv[1:], f)
if sys.argv[1:] != ["--list"]:
    sys.exit(3)
print(json.dumps(json.loads(${JSON.stringify(JSON.stringify(listing))})))
`,
    );
    const inventory = loadInventory([path]);
    expect(JSON.parse(readFileSync(argvLog, "utf8"))).toEqual(["--list"]);
    expect(selectHosts(inventory, "all")).toEqual(["web1", "web2", "db1"]);
    expect(selectHosts(inventory, "prod:!db")).toEqual(["web1", "web2"]);
    expect(inventoryTarget(inventory, "web1")).toEqual({
      name: "web1",
      host: "web1",
      spec: "web1",
      port: 2200,
      user: "deploy",
      identityFile: "/keys/fleet",
    });
    expect(inventoryTarget(inventory, "web2")).toMatchObject({ host: "10.0.0.2", port: 2222 });
    // The child group's vars beat the parent's, the host's beat both.
    expect(inventoryTarget(inventory, "db1")).toMatchObject({ host: "10.0.0.20", user: "dba" });
  });

  test("short form without _meta: each host's vars come from --host NAME", () => {
    const calls = join(dir, "host-calls.log");
    const path = script(
      "short.sh",
      `#!/bin/sh
echo "$*" >> ${calls}
case "$1" in
  --list) echo '{"web": ["web1", "web2"], "ungrouped": ["lonely"]}' ;;
  --host)
    case "$2" in
      web1) echo '{"ansible_host": "127.0.0.11", "ansible_port": 2201}' ;;
      web2) echo '{"ansible_user": "bob"}' ;;
      *) echo '' ;;
    esac ;;
  *) exit 9 ;;
esac
`,
    );
    const inventory = loadInventory([path]);
    expect(readFileSync(calls, "utf8").split("\n").filter(Boolean).sort()).toEqual([
      "--host lonely",
      "--host web1",
      "--host web2",
      "--list",
    ]);
    expect(selectHosts(inventory, "web")).toEqual(["web1", "web2"]);
    expect(selectHosts(inventory, "ungrouped")).toEqual(["lonely"]);
    expect(inventoryTarget(inventory, "web1")).toMatchObject({ host: "127.0.0.11", port: 2201 });
    expect(inventoryTarget(inventory, "web2")).toMatchObject({ host: "web2", user: "bob" });
    expect(inventoryTarget(inventory, "lonely")).toEqual({
      name: "lonely",
      host: "lonely",
      spec: "lonely",
    });
  });

  test("a failing script is an error naming it, the reason and its stderr", () => {
    const failing = script("fails.sh", "#!/bin/sh\necho 'token expired' >&2\nexit 3\n");
    expect(() => loadInventory([failing])).toThrow(
      `inventory script ${failing} --list: exited with code 3; stderr: token expired`,
    );
    const garbage = script("garbage.sh", "#!/bin/sh\necho 'not json'\n");
    expect(() => loadInventory([garbage])).toThrow(
      new RegExp(`inventory script ${garbage} --list: output is not valid JSON`),
    );
    const list = script("list.sh", "#!/bin/sh\necho '[\"web1\"]'\n");
    expect(() => loadInventory([list])).toThrow(
      `inventory script ${list} --list: expected a JSON object of groups`,
    );
    const badHosts = script("bad-hosts.sh", `#!/bin/sh\necho '{"web": {"hosts": "web1"}}'\n`);
    expect(() => loadInventory([badHosts])).toThrow(
      `inventory script ${badHosts} --list: group "web": hosts must be a list of host names`,
    );
    const badHost = script(
      "bad-host.sh",
      `#!/bin/sh\n[ "$1" = --list ] && echo '{"web": ["web1"]}' && exit 0\necho 'oops' >&2\nexit 4\n`,
    );
    expect(() => loadInventory([badHost])).toThrow(
      `inventory script ${badHost} --host web1: exited with code 4; stderr: oops`,
    );
    const noInterpreter = script("nointerp.sh", "#!/nonexistent/python\n");
    expect(() => loadInventory([noInterpreter])).toThrow(
      `inventory script ${noInterpreter} --list: cannot run it: ENOENT`,
    );
  });

  test("a script that does not answer in time is killed and named", () => {
    // exec: the shell becomes sleep, so the kill leaves nothing behind.
    const marker = join(dir, "slow-started");
    const slow = script("slow.sh", `#!/bin/sh\ntouch ${marker}\nexec sleep 30\n`);
    expect(() => loadInventory([slow], { timeoutMs: 300 })).toThrow(
      `inventory script ${slow} --list: no answer within 0.3s, killed`,
    );
    expect(existsSync(marker)).toBe(true);
  });

  test("a script that writes without end is stopped at the output limit and named", () => {
    // Without a limit its output was gathered until memory ran out (or the 60 s limit).
    const endless = script("endless.sh", "#!/bin/sh\nexec yes '{}'\n");
    expect(() => loadInventory([endless], { maxOutputBytes: 4096 })).toThrow(
      `inventory script ${endless} --list: wrote more than 4096 bytes, killed`,
    );
  });

  test("an executable INI file without #! is still read as INI, as Ansible does", () => {
    const path = join(dir, "hosts-exec.ini");
    writeFileSync(path, "[web]\nweb1 ansible_port=2201\n", { mode: 0o755 });
    const inventory = loadInventory([path]);
    expect(selectHosts(inventory, "web")).toEqual(["web1"]);
    expect(inventoryTarget(inventory, "web1")).toMatchObject({ port: 2201 });
  });

  test("a directory runs its scripts beside its static files", () => {
    const both = mkdtempSync(join(tmpdir(), "sshping-inv-dir-"));
    writeFileSync(join(both, "static.ini"), "[db]\ndb1\n");
    writeFileSync(
      join(both, "dynamic.sh"),
      `#!/bin/sh\necho '{"web": ["web1"], "_meta": {"hostvars": {"web1": {"ansible_port": 2202}}}}'\n`,
      { mode: 0o755 },
    );
    const inventory = loadInventory([both]);
    expect(selectHosts(inventory, "all").sort()).toEqual(["db1", "web1"]);
    expect(inventoryTarget(inventory, "web1")).toMatchObject({ port: 2202 });
  });
});
