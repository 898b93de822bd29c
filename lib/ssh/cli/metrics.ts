/** sshping's own Prometheus gauges, beside the items/errors every tool has. */
import { Gauge, type Registry } from "../../metrics/prom.ts";

export type SshpingMetrics = ReturnType<typeof sshpingMetrics>;

export function sshpingMetrics(registry: Registry) {
  const registers = [registry];
  return {
    hosts: new Gauge({
      name: "opsctl_sshping_hosts",
      help: "Hosts of the last run by final status.",
      labelNames: ["status"],
      registers,
    }),
    up: new Gauge({
      name: "opsctl_sshping_host_up",
      help: "1 if the host answered and accepted the login (and the command succeeded) in the last run.",
      labelNames: ["host"],
      registers,
    }),
    latency: new Gauge({
      name: "opsctl_sshping_host_latency_seconds",
      help: "Connect + SSH handshake + authentication time of the last run.",
      labelNames: ["host"],
      registers,
    }),
  };
}
