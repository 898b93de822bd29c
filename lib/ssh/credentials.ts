import { closeSync, existsSync, fstatSync, openSync, readFileSync, type Stats } from "node:fs";
import type { utils } from "ssh2";
import { ssh2 } from "./ssh2.ts";

type ParsedKey = Exclude<ReturnType<typeof utils.parseKey>, Error | unknown[]>;

/** One identity file, parsed once per run (parsing, and decrypting, is the slow part). */
export interface LoadedIdentity {
  path: string;
  key?: ParsedKey;
  /** Why this file cannot be used (missing, encrypted without a passphrase, unreadable). */
  problem?: string;
  /**
   * The public half of a key ignored for its permissions: ssh still lets the agent sign for it
   * (IdentitiesOnly), it only refuses to read the private half.
   */
  publicBlob?: Buffer;
  /** Default identity files (~/.ssh/id_*) are skipped silently when missing, as ssh does. */
  implicit: boolean;
}

export interface CredentialOptions {
  /** Passphrase for encrypted key files (from an environment variable, never a flag). */
  passphrase?: string;
  /** Name of the variable the passphrase comes from, for error messages. */
  passphraseVariable: string;
  /** Told once per file when a key file is ignored (bad permissions), as ssh prints it. */
  onWarning?: (message: string) => void;
}

/** Caches parsed identity files across hosts so a 1000-host run reads and decrypts each once. */
export class Credentials {
  private readonly cache = new Map<string, LoadedIdentity>();

  constructor(readonly options: CredentialOptions) {}

  identity(path: string, implicit = false): LoadedIdentity {
    const cached = this.cache.get(path);
    if (cached) return cached;
    const loaded = this.load(path, implicit);
    this.cache.set(path, loaded);
    return loaded;
  }

  /**
   * The public half of an identity file: from the key, else from FILE.pub (an encrypted key), or
   * the file itself when it is a public key (IdentityFile key.pub, as 1Password's setup has it).
   */
  publicKey(path: string, implicit = false): Buffer | undefined {
    const { key, publicBlob } = this.identity(path, implicit);
    if (key) return key.getPublicSSH();
    if (publicBlob) return publicBlob;
    for (const file of [path, `${path}.pub`]) {
      let data: Buffer;
      try {
        data = readFileSync(file);
      } catch {
        continue;
      }
      const parsed = ssh2().utils.parseKey(data);
      const pub = Array.isArray(parsed) ? parsed[0] : parsed;
      if (pub && !(pub instanceof Error) && !pub.isPrivateKey()) return pub.getPublicSSH();
    }
    return undefined;
  }

  private load(path: string, implicit: boolean): LoadedIdentity {
    if (!existsSync(path)) return { path, implicit, problem: "no such file" };
    let data: Buffer;
    let stats: Stats;
    try {
      // The mode checked is the one of the file read (fstat), as ssh does.
      const fd = openSync(path, "r");
      try {
        stats = fstatSync(fd);
        data = readFileSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      return { path, implicit, problem: (error as NodeJS.ErrnoException).code ?? String(error) };
    }
    let parsed = ssh2().utils.parseKey(data);
    const encrypted = parsed instanceof Error && /encrypted|passphrase/i.test(parsed.message);
    const open = encrypted || isPrivate(parsed) ? tooOpen(stats) : undefined;
    if (open) {
      this.options.onWarning?.(
        `${path}: UNPROTECTED PRIVATE KEY FILE: permissions ${open} are too open (accessible by group or others); ignored, as ssh does (chmod 600 ${path})`,
      );
      const blob = isPrivate(parsed) ? firstKey(parsed)?.getPublicSSH() : undefined;
      return {
        path,
        implicit,
        problem: `bad permissions ${open}: a private key accessible by group or others is ignored (chmod 600)`,
        ...(blob ? { publicBlob: blob } : {}),
      };
    }
    if (encrypted) {
      if (this.options.passphrase === undefined)
        return {
          path,
          implicit,
          problem: `encrypted key: set ${this.options.passphraseVariable} or load it into ssh-agent`,
        };
      parsed = ssh2().utils.parseKey(data, this.options.passphrase);
      if (parsed instanceof Error)
        return {
          path,
          implicit,
          problem: `cannot decrypt with ${this.options.passphraseVariable}: ${parsed.message}`,
        };
    }
    if (parsed instanceof Error)
      return { path, implicit, problem: `not a private key: ${parsed.message}` };
    const key = firstKey(parsed);
    if (!key?.isPrivateKey()) return { path, implicit, problem: "not a private key" };
    return { path, implicit, key };
  }
}

type Parsed = ReturnType<typeof utils.parseKey>;

function firstKey(parsed: Parsed): ParsedKey | undefined {
  if (parsed instanceof Error) return undefined;
  return (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey | undefined;
}

function isPrivate(parsed: Parsed): boolean {
  return firstKey(parsed)?.isPrivateKey() === true;
}

/**
 * The mode ("0644") of a private key file ssh would refuse, else undefined: OpenSSH's
 * sshkey_perm_ok refuses a key file of the user's own that group or others can access
 * (mode & 077); one owned by someone else (root's, a mounted secret) passes.
 */
export function tooOpen(stats: Pick<Stats, "uid" | "mode">): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined || stats.uid !== uid || (stats.mode & 0o077) === 0) return undefined;
  return `0${(stats.mode & 0o777).toString(8).padStart(3, "0")}`;
}

/** The identity files ssh tries when none is configured. */
export function defaultIdentityFiles(home: string): string[] {
  return [
    "id_rsa",
    "id_ecdsa",
    "id_ecdsa_sk",
    "id_ed25519",
    "id_ed25519_sk",
    "id_xmss",
    "id_dsa",
  ].map((name) => `${home}/.ssh/${name}`);
}
