/**
 * A real DNS server (dnsmasq from Debian's dnsmasq-base) on 127.0.0.1 and a free UDP/TCP port,
 * answering only the records a test gives it (no upstream, no /etc/hosts).
 */
import { freePort, type Service, startService } from "./service.ts";

export interface DnsServer {
  /** host:port, the form DNS checks take as their target. */
  address: string;
  service: Service;
}

export interface DnsRecords {
  /** name -> IPv4 address, or several (one A record each). */
  a?: Record<string, string | string[]>;
  /** name -> text */
  txt?: Record<string, string>;
  /**
   * Answer authoritatively for this zone (name server ns1.ZONE): answers carry the zone's NS
   * record in their authority section, NXDOMAIN and no-data answers its SOA.
   */
  authZone?: string;
}

const started = new Map<string, Promise<DnsServer>>();

/** One server per distinct record set per test process (test files share the process). */
export function startDnsmasq(records: DnsRecords): Promise<DnsServer> {
  const key = JSON.stringify(records);
  const existing = started.get(key);
  if (existing) return existing;
  const server = (async () => {
    const port = await freePort();
    const args = [
      "/usr/sbin/dnsmasq",
      "--keep-in-foreground",
      "--log-facility=-",
      "--conf-file=/dev/null",
      "--no-resolv",
      "--no-hosts",
      "--no-poll",
      "--bind-interfaces",
      "--listen-address=127.0.0.1",
      `--port=${port}`,
      "--pid-file=",
      ...(process.getuid?.() === 0 ? ["--user=root"] : []),
    ];
    for (const [name, ips] of Object.entries(records.a ?? {}))
      for (const ip of [ips].flat()) args.push(`--host-record=${name},${ip}`);
    for (const [name, text] of Object.entries(records.txt ?? {}))
      args.push(`--txt-record=${name},${text}`);
    if (records.authZone)
      args.push(
        `--auth-server=ns1.${records.authZone},127.0.0.1`,
        `--auth-zone=${records.authZone}`,
        `--auth-soa=2024010101,hostmaster.${records.authZone}`,
      );
    const service = await startService({
      name: "dnsmasq",
      command: args,
      ready: async () => {
        const { promises: dns } = await import("node:dns");
        const resolver = new dns.Resolver({ timeout: 300, tries: 1 });
        resolver.setServers([`127.0.0.1:${port}`]);
        const name = Object.keys(records.a ?? {})[0];
        if (!name) return true;
        return (await resolver.resolve4(name)).length === [records.a?.[name] ?? []].flat().length;
      },
    });
    return { address: `127.0.0.1:${port}`, service };
  })();
  started.set(key, server);
  return server;
}
