/**
 * Ansible's `host:port` in an inventory host name (badwolf.example.com:5309, [fe80::1]:2222,
 * web[01:20].example:2222): the port becomes the hosts' ansible_port, the name keeps no port.
 * A bare IPv6 address (fe80::1) has no port; colons inside range brackets are not one either.
 */
export function splitHostPort(pattern: string): { pattern: string; port?: number } {
  const v6 = /^\[([0-9a-f:.]*:[0-9a-f:.]*)\]:(\d+)$/i.exec(pattern);
  if (v6) return { pattern: v6[1] ?? "", port: Number(v6[2]) };
  const match = /^(.+):(\d+)$/.exec(pattern);
  const head = match?.[1] ?? "";
  if (!match || head.replace(/\[[^\]]*\]/g, "").includes(":")) return { pattern };
  return { pattern: head, port: Number(match[2]) };
}
