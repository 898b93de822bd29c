import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import {
  appendFileSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
} from "node:fs";
import { dirname } from "node:path";
import { wildcardMatch } from "./ssh-config.ts";

/**
 * OpenSSH known_hosts: plain names, [host]:port, hashed |1|salt|hmac names, wildcard and negated
 * patterns, @revoked lines (and @cert-authority lines, which sshping does not use).
 */

export interface KnownHostEntry {
  marker?: "revoked" | "cert-authority";
  hostField: string;
  keyType: string;
  key: Buffer;
  file: string;
  line: number;
}

export type HostKeyVerdict =
  | { kind: "match"; entry: KnownHostEntry }
  | { kind: "unknown" }
  | { kind: "changed"; expected: KnownHostEntry[] }
  | { kind: "revoked"; entry: KnownHostEntry };

/** "host" on port 22, "[host]:port" otherwise: the name OpenSSH writes and looks up. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key type inside an SSH wire-format public key blob ("ssh-ed25519", ...). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString("latin1");
}

/** Host key algorithms to offer first for a known key type (OpenSSH orders them the same way). */
export function algorithmsForKeyType(keyType: string): string[] {
  if (keyType === "ssh-rsa") return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
  return [keyType];
}

export class KnownHosts {
  readonly entries: KnownHostEntry[] = [];
  /** Files that could not be read, with the reason (reported, never fatal on their own). */
  readonly problems: string[] = [];

  static load(files: readonly string[]): KnownHosts {
    const known = new KnownHosts();
    for (const file of files) if (existsSync(file)) known.addFile(file);
    return known;
  }

  addFile(file: string): void {
    let content: string;
    try {
      content = readFileSync(file, "utf8");
    } catch (error) {
      this.problems.push(
        `${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
      return;
    }
    this.addText(content, file);
  }

  addText(content: string, file: string): void {
    content.split("\n").forEach((raw, index) => {
      const line = raw.trim();
      if (!line || line.startsWith("#")) return;
      const fields = line.split(/\s+/);
      let marker: KnownHostEntry["marker"];
      if (fields[0]?.startsWith("@")) {
        const name = fields.shift()?.slice(1);
        if (name !== "revoked" && name !== "cert-authority") return;
        marker = name;
      }
      const [hostField, keyType, keyText] = fields;
      if (!hostField || !keyType || !keyText) return;
      const key = Buffer.from(keyText, "base64");
      if (key.length === 0) return;
      this.entries.push({
        ...(marker ? { marker } : {}),
        hostField,
        keyType,
        key,
        file,
        line: index + 1,
      });
    });
  }

  /** Entries whose host field names this host (plain, [host]:port, hashed or pattern). */
  entriesFor(host: string, port: number): KnownHostEntry[] {
    const name = knownHostName(host, port);
    return this.entries.filter((entry) => hostFieldMatches(entry.hostField, name));
  }

  /** Known key types for a host (to prefer them in the key exchange). */
  keyTypesFor(host: string, port: number): string[] {
    return [
      ...new Set(
        this.entriesFor(host, port)
          .filter((e) => !e.marker)
          .map((e) => e.keyType),
      ),
    ];
  }

  verify(host: string, port: number, key: Buffer): HostKeyVerdict {
    const revoked = this.entries.find(
      (entry) => entry.marker === "revoked" && entry.key.equals(key),
    );
    if (revoked) return { kind: "revoked", entry: revoked };
    const known = this.entriesFor(host, port).filter((entry) => !entry.marker);
    const match = known.find((entry) => entry.key.equals(key));
    if (match) return { kind: "match", entry: match };
    // A host with other known keys presenting a new one is treated as changed: never trust it silently.
    if (known.length > 0) return { kind: "changed", expected: known };
    return { kind: "unknown" };
  }

  /** Remembers a newly accepted key (after append) so later hosts of this run see it. */
  remember(host: string, port: number, key: Buffer, file: string): void {
    this.entries.push({
      hostField: knownHostName(host, port),
      keyType: keyTypeOfBlob(key),
      key,
      file,
      line: 0,
    });
  }
}

function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith("|1|")) return hashedMatches(field, name);
  let matched = false;
  for (const pattern of field.split(",")) {
    const negated = pattern.startsWith("!");
    const body = (negated ? pattern.slice(1) : pattern).toLowerCase();
    if (
      body === name.toLowerCase() ||
      (/[*?]/.test(body) && wildcardMatch(body, name.toLowerCase()))
    ) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function hashedMatches(field: string, name: string): boolean {
  const [, , saltText, hashText] = field.split("|");
  if (!saltText || !hashText) return false;
  const expected = Buffer.from(hashText, "base64");
  const actual = createHmac("sha1", Buffer.from(saltText, "base64")).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** "|1|salt|hmac" as `ssh-keygen -H` and HashKnownHosts write it. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac("sha1", salt).update(name).digest();
  return `|1|${salt.toString("base64")}|${hash.toString("base64")}`;
}

/** Appends one line in OpenSSH's format; creates ~/.ssh (0700) and the file (0600) if needed. */
export function appendKnownHost(
  file: string,
  host: string,
  port: number,
  key: Buffer,
  hashed: boolean,
): string {
  const name = knownHostName(host, port);
  const line = `${hashed ? hashHostName(name) : name} ${keyTypeOfBlob(key)} ${key.toString("base64")}\n`;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // A hand-edited file may lack its final newline: appending to it would glue two entries.
  appendFileSync(file, endsWithoutNewline(file) ? `\n${line}` : line, { mode: 0o600 });
  return line;
}

function endsWithoutNewline(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}
