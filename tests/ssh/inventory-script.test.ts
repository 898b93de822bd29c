import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inventoryTarget, loadInventory } from "../../lib/ssh/inventory/load.ts";
import { selectHosts } from "../../lib/ssh/inventory/pattern.ts";
import { ended } from "../helpers/process-ended.ts";

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
  test("run with --list, no shell; groups, children, group vars and _meta.hostvars", async () => {
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
    const inventory = await loadInventory([path]);
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

  test("short form without _meta: each host's vars come from --host NAME", async () => {
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
    const inventory = await loadInventory([path]);
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

  test("a failing script is an error naming it, the reason and its stderr", async () => {
    const failing = script("fails.sh", "#!/bin/sh\necho 'token expired' >&2\nexit 3\n");
    await expect(loadInventory([failing])).rejects.toThrow(
      `inventory script ${failing} --list: exited with code 3; stderr: token expired`,
    );
    const garbage = script("garbage.sh", "#!/bin/sh\necho 'not json'\n");
    await expect(loadInventory([garbage])).rejects.toThrow(
      new RegExp(`inventory script ${garbage} --list: output is not valid JSON`),
    );
    const list = script("list.sh", "#!/bin/sh\necho '[\"web1\"]'\n");
    await expect(loadInventory([list])).rejects.toThrow(
      `inventory script ${list} --list: expected a JSON object of groups`,
    );
    const badHosts = script("bad-hosts.sh", `#!/bin/sh\necho '{"web": {"hosts": "web1"}}'\n`);
    await expect(loadInventory([badHosts])).rejects.toThrow(
      `inventory script ${badHosts} --list: group "web": hosts must be a list of host names`,
    );
    const badHost = script(
      "bad-host.sh",
      `#!/bin/sh\n[ "$1" = --list ] && echo '{"web": ["web1"]}' && exit 0\necho 'oops' >&2\nexit 4\n`,
    );
    await expect(loadInventory([badHost])).rejects.toThrow(
      `inventory script ${badHost} --host web1: exited with code 4; stderr: oops`,
    );
    const noInterpreter = script("nointerp.sh", "#!/nonexistent/python\n");
    await expect(loadInventory([noInterpreter])).rejects.toThrow(
      `inventory script ${noInterpreter} --list: cannot run it: ENOENT`,
    );
  });

  test("a script that does not answer in time is killed and named", async () => {
    // exec: the shell becomes sleep, so the kill leaves nothing behind.
    const marker = join(dir, "slow-started");
    const slow = script("slow.sh", `#!/bin/sh\ntouch ${marker}\nexec sleep 30\n`);
    await expect(loadInventory([slow], { timeoutMs: 300 })).rejects.toThrow(
      `inventory script ${slow} --list: no answer within 0.3s, killed`,
    );
    expect(existsSync(marker)).toBe(true);
  });

  test("a script that does not answer in time is killed with the programs it started", async () => {
    // A cloud inventory waiting on its CLI: killing the script alone left the CLI running.
    const pids = join(dir, "timeout.pids");
    const parent = script("parent.sh", `#!/bin/sh\nsleep 300 &\necho $$ $! > ${pids}\nwait\n`);
    await expect(loadInventory([parent], { timeoutMs: 1000 })).rejects.toThrow(
      `inventory script ${parent} --list: no answer within 1s, killed`,
    );
    const [scriptPid, childPid] = readFileSync(pids, "utf8").trim().split(" ").map(Number);
    expect(await ended(scriptPid ?? 0)).toBe(true);
    expect(await ended(childPid ?? 0)).toBe(true);
  }, 20_000);

  test("stopped (sshping's Ctrl-C or SIGTERM): the script and the programs it started are killed", async () => {
    const pids = join(dir, "abort.pids");
    const parent = script("abort.sh", `#!/bin/sh\nsleep 300 &\necho $$ $! > ${pids}\nwait\n`);
    const stop = new AbortController();
    // Its own limit is beyond the test's: only the abort can end it in time.
    const loading = loadInventory([parent], { timeoutMs: 60_000, signal: stop.signal });
    while (!/^\d+ \d+$/.test(existsSync(pids) ? readFileSync(pids, "utf8").trim() : ""))
      await Bun.sleep(20);
    stop.abort(new Error("SIGTERM"));
    await expect(loading).rejects.toThrow(
      `inventory script ${parent} --list: stopped (SIGTERM), killed`,
    );
    const [scriptPid, childPid] = readFileSync(pids, "utf8").trim().split(" ").map(Number);
    expect(await ended(scriptPid ?? 0)).toBe(true);
    expect(await ended(childPid ?? 0)).toBe(true);
  }, 20_000);

  test("a script that writes without end is stopped at the output limit and named", async () => {
    // Without a limit its output was gathered until memory ran out (or the 60 s limit).
    const endless = script("endless.sh", "#!/bin/sh\nexec yes '{}'\n");
    await expect(loadInventory([endless], { maxOutputBytes: 4096 })).rejects.toThrow(
      `inventory script ${endless} --list: wrote more than 4096 bytes, killed`,
    );
  });

  test("hosts, groups and variables named constructor, toString or __proto__ are data", async () => {
    // hostvars["constructor"] was Object's constructor (a host named so failed the listing), and a
    // variable named __proto__ became the prototype of the host's variables, redirecting it.
    // Written as JSON text: a JS literal's __proto__ is not a key.
    const json = `{
      "constructor": ["toString"],
      "web": {"hosts": ["constructor", "__proto__", "web1"],
              "vars": {"__proto__": {"ansible_user": "nobody"}}},
      "_meta": {"hostvars": {"web1": {"__proto__": {"ansible_host": "10.9.9.9"}, "ansible_port": 2201}}}
    }`;
    const path = script("protos.sh", `#!/bin/sh\ncat <<'EOF'\n${json}\nEOF\n`);
    const inventory = await loadInventory([path]);
    expect(selectHosts(inventory, "all")).toEqual(["toString", "constructor", "__proto__", "web1"]);
    expect(selectHosts(inventory, "constructor")).toEqual(["toString"]);
    for (const name of ["toString", "constructor", "__proto__"])
      expect(inventoryTarget(inventory, name)).toEqual({ name, host: name, spec: name });
    expect(inventoryTarget(inventory, "web1")).toEqual({
      name: "web1",
      host: "web1",
      spec: "web1",
      port: 2201,
    });
    expect(Object.getOwnPropertyDescriptor(inventory.varsOf("web1"), "__proto__")?.value).toEqual({
      ansible_host: "10.9.9.9",
    });
    expect(Object.hasOwn(inventory.varsOf("constructor"), "__proto__")).toBe(true);
  });

  test("an executable INI file without #! is still read as INI, as Ansible does", async () => {
    const path = join(dir, "hosts-exec.ini");
    writeFileSync(path, "[web]\nweb1 ansible_port=2201\n", { mode: 0o755 });
    const inventory = await loadInventory([path]);
    expect(selectHosts(inventory, "web")).toEqual(["web1"]);
    expect(inventoryTarget(inventory, "web1")).toMatchObject({ port: 2201 });
  });

  test("a directory runs its scripts beside its static files", async () => {
    const both = mkdtempSync(join(tmpdir(), "sshping-inv-dir-"));
    writeFileSync(join(both, "static.ini"), "[db]\ndb1\n");
    writeFileSync(
      join(both, "dynamic.sh"),
      `#!/bin/sh\necho '{"web": ["web1"], "_meta": {"hostvars": {"web1": {"ansible_port": 2202}}}}'\n`,
      { mode: 0o755 },
    );
    const inventory = await loadInventory([both]);
    expect(selectHosts(inventory, "all").sort()).toEqual(["db1", "web1"]);
    expect(inventoryTarget(inventory, "web1")).toMatchObject({ port: 2202 });
  });
});
