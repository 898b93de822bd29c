/**
 * The key-file permission rule (OpenSSH's sshkey_perm_ok) on its own, for every user: the
 * compiled-binary test of a key owned by someone else needs root to chown it.
 */
import { describe, expect, test } from "bun:test";
import { tooOpen } from "../../lib/ssh/credentials.ts";

const ownUid = process.getuid?.() ?? 0;
const file = 0o100000;

describe("tooOpen", () => {
  test("a key file of our own that group or others can access is refused, with its mode", () => {
    expect(tooOpen({ uid: ownUid, mode: file | 0o644 })).toBe("0644");
    expect(tooOpen({ uid: ownUid, mode: file | 0o640 })).toBe("0640");
    expect(tooOpen({ uid: ownUid, mode: file | 0o604 })).toBe("0604");
    expect(tooOpen({ uid: ownUid, mode: file | 0o777 })).toBe("0777");
  });

  test("0600 and 0400 are fine", () => {
    expect(tooOpen({ uid: ownUid, mode: file | 0o600 })).toBeUndefined();
    expect(tooOpen({ uid: ownUid, mode: file | 0o400 })).toBeUndefined();
  });

  test("a key file another user owns is not checked (a root-owned 0644 secret)", () => {
    expect(tooOpen({ uid: ownUid + 1, mode: file | 0o644 })).toBeUndefined();
  });
});
