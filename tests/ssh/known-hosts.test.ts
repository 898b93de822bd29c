import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendKnownHost, hashHostName, KnownHosts } from "../../lib/ssh/known-hosts.ts";
import { KnownHostsStore } from "../../lib/ssh/known-hosts-store.ts";
import { planTarget } from "../../lib/ssh/plan.ts";
import { parseSshConfig } from "../../lib/ssh/ssh-config.ts";
import { parseHostSpec } from "../../lib/ssh/target.ts";

const blobA = Buffer.from(
  "0000000b7373682d65643235353139000000201111111111111111111111111111111111111111111111111111111111111111",
  "hex",
);
const blobB = Buffer.from(
  "0000000b7373682d65643235353139000000202222222222222222222222222222222222222222222222222222222222222222",
  "hex",
);
const a = blobA.toString("base64");
const b = blobB.toString("base64");

describe("known_hosts", () => {
  test("plain, [host]:port, wildcard and negated names", () => {
    const known = new KnownHosts();
    known.addText(
      `web1,10.0.0.1 ssh-ed25519 ${a}\n[web2]:2222 ssh-ed25519 ${a}\n*.lab,!bad.lab ssh-ed25519 ${b}\n`,
      "kh",
    );
    expect(known.verify("web1", 22, blobA).kind).toBe("match");
    expect(known.verify("10.0.0.1", 22, blobA).kind).toBe("match");
    expect(known.verify("web2", 2222, blobA).kind).toBe("match");
    expect(known.verify("web2", 22, blobA).kind).toBe("unknown");
    expect(known.verify("x.lab", 22, blobB).kind).toBe("match");
    expect(known.verify("bad.lab", 22, blobB).kind).toBe("unknown");
    expect(known.verify("web1", 22, blobB).kind).toBe("changed");
  });

  test("hashed names as ssh-keygen -H writes them", () => {
    const dir = mkdtempSync(join(tmpdir(), "sshping-kh-"));
    const file = join(dir, "known_hosts");
    writeFileSync(file, `[127.0.0.5]:2222 ssh-ed25519 ${a}\nplain ssh-ed25519 ${b}\n`);
    expect(spawnSync("ssh-keygen", ["-H", "-f", file]).status).toBe(0);
    const content = readFileSync(file, "utf8");
    expect(content).not.toContain("127.0.0.5");
    const known = KnownHosts.load([file]);
    expect(known.verify("127.0.0.5", 2222, blobA).kind).toBe("match");
    expect(known.verify("plain", 22, blobA).kind).toBe("changed");
    expect(known.verify("127.0.0.6", 2222, blobA).kind).toBe("unknown");
  });

  test("@revoked keys are refused for every host", () => {
    const known = new KnownHosts();
    known.addText(`web1 ssh-ed25519 ${a}\n@revoked * ssh-ed25519 ${a}\n`, "kh");
    expect(known.verify("web1", 22, blobA).kind).toBe("revoked");
  });

  test("appended lines are read back by OpenSSH (ssh-keygen -F), hashed or not", () => {
    const dir = mkdtempSync(join(tmpdir(), "sshping-kh-"));
    const file = join(dir, "sub", "known_hosts");
    appendKnownHost(file, "127.0.0.7", 2200, blobA, false);
    appendKnownHost(file, "127.0.0.8", 22, blobB, true);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines[0]).toBe(`[127.0.0.7]:2200 ssh-ed25519 ${a}`);
    expect(lines[1]).toMatch(/^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
    for (const name of ["[127.0.0.7]:2200", "127.0.0.8"]) {
      const found = spawnSync("ssh-keygen", ["-F", name, "-f", file]);
      expect(found.status).toBe(0);
    }
    expect(hashHostName("x", Buffer.alloc(20))).toMatch(/^\|1\|AAAA/);
  });

  test("appending to a file without a final newline keeps the last line intact", () => {
    const dir = mkdtempSync(join(tmpdir(), "sshping-kh-"));
    const file = join(dir, "known_hosts");
    writeFileSync(file, `web1 ssh-ed25519 ${a}`);
    appendKnownHost(file, "web2", 22, blobB, false);
    expect(readFileSync(file, "utf8")).toBe(`web1 ssh-ed25519 ${a}\nweb2 ssh-ed25519 ${b}\n`);
    const known = KnownHosts.load([file]);
    expect(known.verify("web1", 22, blobA).kind).toBe("match");
    expect(known.verify("web2", 22, blobB).kind).toBe("match");
  });

  test("a HostKeyAlias is looked up and recorded as is, never as [alias]:port (as ssh does)", () => {
    // ssh writes "alias KEY" for a host on port 2222 with HostKeyAlias alias; sshping looked for
    // "[alias]:2222", so strict checking refused the host as unknown and accept-new wrote a line
    // ssh never reads.
    const dir = mkdtempSync(join(tmpdir(), "sshping-kh-"));
    const file = join(dir, "known_hosts");
    writeFileSync(file, `db-alias ssh-ed25519 ${a}\n`);
    const config = parseSshConfig("Host db\n  HostKeyAlias db-alias\n  Port 2222\n", "config", dir);
    const defaults = {
      home: dir,
      localUser: "alice",
      identityFiles: [],
      defaultConnectTimeoutMs: 5000,
      defaultKeepaliveIntervalMs: 15000,
      knownHostsFiles: [file],
    };
    const store = new KnownHostsStore();
    const db = planTarget(parseHostSpec("db"), config, defaults);
    expect(db.port).toBe(2222);
    expect(store.verify(db, blobA).kind).toBe("match");
    expect(store.verify(db, blobB).kind).toBe("changed");
    expect(store.keyTypes(db)).toEqual(["ssh-ed25519"]);

    const fresh = planTarget(
      parseHostSpec("db-new"),
      parseSshConfig("Host db-new\n  HostKeyAlias db-new-alias\n  Port 2222\n", "config", dir),
      defaults,
    );
    expect(store.verify(fresh, blobB).kind).toBe("unknown");
    store.accept(fresh, blobB);
    expect(readFileSync(file, "utf8")).toBe(
      `db-alias ssh-ed25519 ${a}\ndb-new-alias ssh-ed25519 ${b}\n`,
    );
    expect(store.verify(fresh, blobB).kind).toBe("match");
    // Without an alias a non-standard port is still part of the name.
    const plain = planTarget(
      parseHostSpec("db-alias:2222"),
      parseSshConfig("", "c", dir),
      defaults,
    );
    expect(store.verify(plain, blobA).kind).toBe("unknown");
  });
});
