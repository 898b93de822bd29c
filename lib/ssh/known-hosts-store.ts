import { appendKnownHost, type HostKeyVerdict, KnownHosts } from "./known-hosts.ts";
import type { HopPlan } from "./plan.ts";

/**
 * known_hosts files read once per run and shared by every host, with accept-new appends
 * (deduplicated) visible to the hosts that follow.
 */
export class KnownHostsStore {
  private readonly merged = new Map<string, { files: string[]; known: KnownHosts }>();
  private readonly appended = new Set<string>();

  private view(hop: HopPlan): KnownHosts {
    const files = [...hop.knownHostsFiles, ...hop.globalKnownHostsFiles];
    const key = files.join("\0");
    let entry = this.merged.get(key);
    if (!entry) {
      entry = { files, known: KnownHosts.load(files) };
      this.merged.set(key, entry);
    }
    return entry.known;
  }

  keyTypes(hop: HopPlan): string[] {
    return this.view(hop).keyTypesFor(hop.hostKeyName, keyPort(hop));
  }

  verify(hop: HopPlan, key: Buffer): HostKeyVerdict {
    return this.view(hop).verify(hop.hostKeyName, keyPort(hop), key);
  }

  /** Appends the key to the first user known_hosts file (accept-new); returns the file. */
  accept(hop: HopPlan, key: Buffer): string | undefined {
    const file = hop.knownHostsFiles[0];
    if (!file || file === "/dev/null") return undefined;
    const port = keyPort(hop);
    const id = `${file}\0${hop.hostKeyName}\0${port}\0${key.toString("base64")}`;
    if (!this.appended.has(id)) {
      this.appended.add(id);
      appendKnownHost(file, hop.hostKeyName, port, key, hop.hashKnownHosts);
      for (const { files, known } of this.merged.values())
        if (files.includes(file)) known.remember(hop.hostKeyName, port, key, file);
    }
    return file;
  }
}

/** The port known_hosts names the host with: a HostKeyAlias stands alone (port 22 adds nothing). */
function keyPort(hop: HopPlan): number {
  return hop.hostKeyIsAlias ? 22 : hop.port;
}
