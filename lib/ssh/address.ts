/** host:port as people and OpenSSH write it: an IPv6 address in brackets ([::1]:22), else host:22. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
