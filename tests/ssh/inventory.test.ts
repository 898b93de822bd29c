import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseIniInventory } from "../../lib/ssh/inventory/ini.ts";
import { inventoryTarget, loadInventory } from "../../lib/ssh/inventory/load.ts";
import { selectHosts } from "../../lib/ssh/inventory/pattern.ts";
import { parseYamlInventory } from "../../lib/ssh/inventory/yaml.ts";

const ini = `
lonely ansible_host=10.0.0.9
[web]
web[01:04] ansible_user=deploy
[db]
db1 ansible_host=10.0.0.20 ansible_port=2222 ansible_ssh_private_key_file=~/.ssh/db_key
[prod:children]
web
db
[prod:vars]
ansible_user=produser
ansible_port=22
[staging]
web04
`;

const yaml = `
all:
  vars:
    ansible_user: everyone
  hosts:
    lonely:
      ansible_host: 10.0.0.9
  children:
    prod:
      vars:
        ansible_user: produser
      children:
        web:
          hosts:
            web[01:04]:
              ansible_user: deploy
        db:
          hosts:
            db1:
              ansible_host: 10.0.0.20
              ansible_port: 2222
    staging:
      hosts:
        web04:
`;

describe("Ansible inventories", () => {
  for (const [kind, inventory] of [
    ["INI", parseIniInventory(ini, "hosts.ini")],
    ["YAML", parseYamlInventory(yaml, "hosts.yml")],
  ] as const) {
    test(`${kind}: groups, children and patterns`, () => {
      expect(selectHosts(inventory, "all")).toEqual([
        "lonely",
        "web01",
        "web02",
        "web03",
        "web04",
        "db1",
      ]);
      expect(selectHosts(inventory, "prod")).toEqual(["web01", "web02", "web03", "web04", "db1"]);
      expect(selectHosts(inventory, "web:&prod:!web03")).toEqual(["web01", "web02", "web04"]);
      expect(selectHosts(inventory, "web:&staging")).toEqual(["web04"]);
      expect(selectHosts(inventory, "db,lonely")).toEqual(["lonely", "db1"]);
      expect(selectHosts(inventory, "web0[12]")).toEqual(["web01", "web02"]);
      expect(selectHosts(inventory, "~web0[34]")).toEqual(["web03", "web04"]);
      expect(selectHosts(inventory, "!web*")).toEqual(["lonely", "db1"]);
      expect(selectHosts(inventory, "ungrouped")).toEqual(["lonely"]);
    });
    test(`${kind}: a ~regex matches from the start of a name, as Ansible's re.match`, () => {
      // "~b1" selected db1 (a search anywhere): a --run meant for hosts starting with b1 ran on db1.
      expect(selectHosts(inventory, "~b1")).toEqual([]);
      expect(selectHosts(inventory, "~eb0[34]")).toEqual([]);
      expect(selectHosts(inventory, "~db|lone")).toEqual(["lonely", "db1"]);
      expect(selectHosts(inventory, "~pro")).toEqual(["web01", "web02", "web03", "web04", "db1"]);
      expect(selectHosts(inventory, "all:!~web0[12]")).toEqual(["lonely", "web03", "web04", "db1"]);
    });
    test(`${kind}: connection variables, host beats child group beats parent`, () => {
      expect(inventoryTarget(inventory, "web02")).toMatchObject({
        name: "web02",
        host: "web02",
        user: "deploy",
      });
      const db = inventoryTarget(inventory, "db1");
      expect(db).toMatchObject({ host: "10.0.0.20", port: 2222, user: "produser", spec: "db1" });
      expect(inventoryTarget(inventory, "lonely")).toMatchObject({ host: "10.0.0.9" });
    });
  }

  test("INI errors name the file and line", () => {
    expect(() => parseIniInventory("[web]\nweb1 novalue\n", "bad.ini")).toThrow(/bad.ini:2/);
    expect(() => parseIniInventory("[web:oops]\n", "bad.ini")).toThrow(/bad.ini:1.*:oops/);
  });

  test("YAML errors name the group", () => {
    expect(() => parseYamlInventory("all:\n  hostz: {}\n", "bad.yml")).toThrow(
      /bad.yml: group all.*hostz/,
    );
  });

  test("directories, group_vars and host_vars like ansible -i", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sshping-inv-"));
    writeFileSync(join(dir, "hosts"), "[web]\nweb1\nweb2\n");
    writeFileSync(
      join(dir, "more.yml"),
      "all:\n  children:\n    db:\n      hosts:\n        db1:\n",
    );
    mkdirSync(join(dir, "group_vars"));
    mkdirSync(join(dir, "host_vars"));
    writeFileSync(
      join(dir, "group_vars", "web.yml"),
      "ansible_port: 2200\nansible_user: webuser\n",
    );
    writeFileSync(join(dir, "host_vars", "web2.yml"), "ansible_host: 10.1.1.2\n");
    const inventory = await loadInventory([dir]);
    expect(selectHosts(inventory, "all")).toEqual(["web1", "web2", "db1"]);
    expect(inventoryTarget(inventory, "web2")).toMatchObject({
      host: "10.1.1.2",
      port: 2200,
      user: "webuser",
    });
    expect(inventoryTarget(inventory, "db1")).toEqual({ name: "db1", host: "db1", spec: "db1" });
  });

  test("host:port in a host line is Ansible's port, not part of the name", () => {
    const fromIni = parseIniInventory(
      "[web]\nweb1:2222\n10.0.0.5:2200 ansible_user=bob\nweb[01:02].x:2022\ndb1:2201 ansible_port=2300\n[v6]\n[fe80::1]:2023\nfe80::2\n",
      "hosts.ini",
    );
    const fromYaml = parseYamlInventory(
      "all:\n  hosts:\n    web1:2222:\n    10.0.0.5:2200: { ansible_user: bob }\n    web[01:02].x:2022:\n    db1:2201: { ansible_port: 2300 }\n  children:\n    v6:\n      hosts:\n        '[fe80::1]:2023':\n        'fe80::2':\n",
      "hosts.yml",
    );
    for (const inventory of [fromIni, fromYaml]) {
      expect(selectHosts(inventory, "all")).toEqual([
        "web1",
        "10.0.0.5",
        "web01.x",
        "web02.x",
        "db1",
        "fe80::1",
        "fe80::2",
      ]);
      expect(inventoryTarget(inventory, "web1")).toMatchObject({ host: "web1", port: 2222 });
      expect(inventoryTarget(inventory, "10.0.0.5")).toMatchObject({ port: 2200, user: "bob" });
      expect(inventoryTarget(inventory, "web02.x")).toMatchObject({ port: 2022 });
      expect(inventoryTarget(inventory, "db1")).toMatchObject({ port: 2300 });
      expect(inventoryTarget(inventory, "fe80::1")).toMatchObject({ host: "fe80::1", port: 2023 });
      expect(inventoryTarget(inventory, "fe80::2")).toEqual({
        name: "fe80::2",
        host: "fe80::2",
        spec: "fe80::2",
      });
    }
  });

  test("hosts, groups and variables named constructor, toString or __proto__ are data", async () => {
    // A variable named __proto__ became the prototype of the host's variables: its ansible_host
    // then redirected the host; in a group it was lost. INI dropped it.
    const fromYaml = parseYamlInventory(
      "all:\n  hosts:\n    constructor:\n    toString:\n      __proto__: { ansible_host: 10.9.9.9 }\n  children:\n    __proto__:\n      vars:\n        __proto__: { ansible_user: nobody }\n      hosts:\n        web1:\n",
      "protos.yml",
    );
    const fromIni = parseIniInventory(
      "constructor\ntoString __proto__=10.9.9.9\n[__proto__]\nweb1\n[__proto__:vars]\n__proto__=nobody\n",
      "protos.ini",
    );
    for (const inventory of [fromYaml, fromIni]) {
      expect(selectHosts(inventory, "all")).toEqual(["constructor", "toString", "web1"]);
      expect(selectHosts(inventory, "__proto__")).toEqual(["web1"]);
      for (const name of ["constructor", "toString", "web1"])
        expect(inventoryTarget(inventory, name)).toEqual({ name, host: name, spec: name });
      expect(Object.hasOwn(inventory.varsOf("toString"), "__proto__")).toBe(true);
      expect(Object.hasOwn(inventory.varsOf("web1"), "__proto__")).toBe(true);
    }
    expect(ownVar(fromIni.varsOf("toString"), "__proto__")).toBe("10.9.9.9");
    expect(ownVar(fromIni.varsOf("web1"), "__proto__")).toBe("nobody");
    // group_vars and host_vars files the same.
    const dir = mkdtempSync(join(tmpdir(), "sshping-inv-protos-"));
    writeFileSync(join(dir, "hosts"), "[web]\nweb1\nconstructor\n");
    mkdirSync(join(dir, "group_vars"));
    mkdirSync(join(dir, "host_vars"));
    writeFileSync(join(dir, "group_vars", "web.yml"), "__proto__: { ansible_port: 2200 }\n");
    writeFileSync(join(dir, "host_vars", "constructor.yml"), "__proto__: { ansible_user: x }\n");
    const fromDir = await loadInventory([dir]);
    for (const name of ["web1", "constructor"]) {
      expect(inventoryTarget(fromDir, name)).toEqual({ name, host: name, spec: name });
      expect(Object.hasOwn(fromDir.varsOf(name), "__proto__")).toBe(true);
    }
  });

  test("INI section headers may end in a # comment, as Ansible's allow", () => {
    const inventory = parseIniInventory(
      "[web]   # frontends\nweb1\n[prod:children] # everything live\nweb\n[prod:vars]  #\nansible_user=deploy\n",
      "hosts.ini",
    );
    expect(selectHosts(inventory, "web")).toEqual(["web1"]);
    expect(selectHosts(inventory, "prod")).toEqual(["web1"]);
    expect(inventoryTarget(inventory, "web1")).toMatchObject({ user: "deploy" });
  });
});

/** A variable's own value: `vars.__proto__` would read Object.prototype's accessor. */
function ownVar(vars: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(vars, key)?.value;
}
