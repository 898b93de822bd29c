import { expect, spyOn, test } from "bun:test";
import { parseIniInventory } from "../../lib/ssh/inventory/ini.ts";
import { inventoryTarget } from "../../lib/ssh/inventory/load.ts";
import { selectHosts } from "../../lib/ssh/inventory/pattern.ts";

test("a host's variables look at each group's members once, not once per host", () => {
  const lines: string[] = [];
  for (let group = 0; group < 20; group++)
    lines.push(`[g${group}]`, `g${group}-h[001:100]`, `[g${group}:vars]`, `ansible_user=u${group}`);
  lines.push("[pair:children]", "g1", "[pair:vars]", "ansible_port=2201", "ansible_user=parent");
  const inventory = parseIniInventory(lines.join("\n"), "big.ini");
  const members = spyOn(inventory, "hostsOf");
  const names = selectHosts(inventory, "all");
  expect(names).toHaveLength(2000);
  const targets = names.map((name) => inventoryTarget(inventory, name));
  // Through a group of groups too; the child's own vars beat its parent's.
  expect(targets[150]).toMatchObject({ name: "g1-h051", user: "u1", port: 2201 });
  expect(targets[50]).toEqual({ name: "g0-h051", host: "g0-h051", spec: "g0-h051", user: "u0" });
  // 2000 hosts x 22 groups (with all and ungrouped) was 44000 walks of the inventory: a
  // 5000-host inventory took a minute before the first connection.
  expect(members.mock.calls.length).toBeLessThanOrEqual(inventory.groups.size);
});
