import { existsSync, readFileSync } from "node:fs";
import type { utils } from "ssh2";
import { ssh2 } from "./ssh2.ts";

type ParsedKey = Exclude<ReturnType<typeof utils.parseKey>, Error | unknown[]>;

/** One identity file, parsed once per run (parsing, and decrypting, is the slow part). */
export interface LoadedIdentity {
  path: string;
  key?: ParsedKey;
  /** Why this file cannot be used (missing, encrypted without a passphrase, unreadable). */
  problem?: string;
  /** Default identity files (~/.ssh/id_*) are skipped silently when missing, as ssh does. */
  implicit: boolean;
}

export interface CredentialOptions {
  /** Passphrase for encrypted key files (from an environment variable, never a flag). */
  passphrase?: string;
  /** Name of the variable the passphrase comes from, for error messages. */
  passphraseVariable: string;
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
    const key = this.identity(path, implicit).key;
    if (key) return key.getPublicSSH();
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
    try {
      data = readFileSync(path);
    } catch (error) {
      return { path, implicit, problem: (error as NodeJS.ErrnoException).code ?? String(error) };
    }
    let parsed = ssh2().utils.parseKey(data);
    if (parsed instanceof Error && /encrypted|passphrase/i.test(parsed.message)) {
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
    const key = (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey | undefined;
    if (!key?.isPrivateKey()) return { path, implicit, problem: "not a private key" };
    return { path, implicit, key };
  }
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
