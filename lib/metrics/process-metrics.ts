import { readdirSync } from "node:fs";
import { Counter, Gauge, type Registry } from "./prom.ts";

/**
 * The process_* metrics daemons expose, without prom-client's default collectors: under Bun
 * its nodejs_heap_space_size_* collectors walk the heap and make every scrape ~5x slower.
 */
export function registerProcessMetrics(registry: Registry): void {
  const registers = [registry];
  const startTime = Math.floor(Date.now() / 1000 - process.uptime());
  new Gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds.",
    registers,
    collect() {
      this.set(startTime);
    },
  });
  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    registers,
    collect() {
      const usage = process.cpuUsage();
      this.reset();
      this.inc((usage.user + usage.system) / 1e6);
    },
  });
  new Gauge({
    name: "process_open_fds",
    help: "Number of open file descriptors.",
    registers,
    collect() {
      try {
        this.set(readdirSync("/proc/self/fd").length);
      } catch {
        // Not Linux: leave it unset rather than lie.
      }
    },
  });
}
