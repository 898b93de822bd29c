import { describe, expect, test } from "bun:test";
import { expandHostRange, foldHostNames } from "../../lib/ssh/host-range.ts";
import { parseHostList, parseHostSpec, parseHostsFile } from "../../lib/ssh/target.ts";

describe("host ranges", () => {
  test("pdsh and Ansible range forms, zero padding kept", () => {
    expect(expandHostRange("web[01-03].example")).toEqual([
      "web01.example",
      "web02.example",
      "web03.example",
    ]);
    expect(expandHostRange("db[1:5:2]")).toEqual(["db1", "db3", "db5"]);
    expect(expandHostRange("n[1-2,7]")).toEqual(["n1", "n2", "n7"]);
    expect(expandHostRange("r[a:c]")).toEqual(["ra", "rb", "rc"]);
    expect(expandHostRange("x[1-2]y[1-2]")).toEqual(["x1y1", "x1y2", "x2y1", "x2y2"]);
  });
  test("bad ranges are errors naming the pattern", () => {
    expect(() => expandHostRange("web[5-1]")).toThrow(/web\[5-1\]/);
    expect(() => expandHostRange("web[x-]")).toThrow(/not a range/);
  });
  test("a pattern expanding to more than 100000 names in all is refused (each bracket alone was checked)", () => {
    expect(() => expandHostRange("a[0-99999][0-99999]")).toThrow(
      'host range "a[0-99999][0-99999]": more than 100000 hosts',
    );
    expect(() => expandHostRange("a[0-60000,0-60000]")).toThrow("more than 100000 hosts");
    expect(expandHostRange("a[0-99][0-999]")).toHaveLength(100_000);
  });
  test("folding back for grouped output", () => {
    expect(foldHostNames(["web01", "web02", "web03", "web05", "db1"])).toBe("web[01-03,05],db1");
    expect(foldHostNames(["u@127.0.0.2:2222", "u@127.0.0.3:2222"])).toBe("u@127.0.0.[2-3]:2222");
    // Zero-padded names past 09 (web01..web12) fold too; they were all listed one by one.
    expect(foldHostNames(expandHostRange("web[01-12]"))).toBe("web[01-12]");
    expect(foldHostNames(expandHostRange("web[008-011]"))).toBe("web[008-011]");
    expect(foldHostNames(["web0", "web1", "web10"])).toBe("web[0-1,10]");
    // Padded and unpadded numbers are different names: never folded together.
    expect(foldHostNames(["web01", "web1"])).toBe("web01,web1");
    expect(foldHostNames(["web01", "web100"])).toBe("web01,web100");
  });
});

describe("host specs", () => {
  test("[user@]host[:port] and IPv6", () => {
    expect(parseHostSpec("deploy@web1:2222")).toMatchObject({
      user: "deploy",
      host: "web1",
      port: 2222,
    });
    expect(parseHostSpec("[::1]:22")).toMatchObject({ host: "::1", port: 22 });
    expect(parseHostSpec("web1")).toEqual({ name: "web1", host: "web1", spec: "web1" });
    expect(() => parseHostSpec("web1:99999")).toThrow(/port "99999"/);
    expect(() => parseHostSpec("@web1")).toThrow(/empty user/);
  });
  test("ranges with user and port, IPv6 is not a range", () => {
    expect(parseHostList("u@web[1-2]:2200").map((t) => t.spec)).toEqual([
      "u@web1:2200",
      "u@web2:2200",
    ]);
    expect(parseHostList("[::1]:2222")[0]).toMatchObject({ host: "::1", port: 2222 });
  });
  test("hosts files: comments, commas, line numbers in errors", () => {
    const targets = parseHostsFile("# fleet\nweb[1-2] db1,db2\n\nlb1 # edge\n", "hosts.txt");
    expect(targets.map((t) => t.name)).toEqual(["web1", "web2", "db1", "db2", "lb1"]);
    expect(() => parseHostsFile("ok\nbad:0\n", "hosts.txt")).toThrow(/hosts.txt:2/);
  });
});
