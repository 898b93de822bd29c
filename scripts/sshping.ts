import { writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { UsageError } from "../lib/cli/errors.ts";
import { runTool } from "../lib/cli/run-tool.ts";
import { defineTool } from "../lib/cli/types.ts";
import { Gauge, type Registry } from "../lib/metrics/prom.ts";
import { Credentials } from "../lib/ssh/credentials.ts";
import { probeFleet } from "../lib/ssh/fleet.ts";
import { JumpPool } from "../lib/ssh/jumps.ts";
import { KnownHostsStore } from "../lib/ssh/known-hosts-store.ts";
import { localUsername } from "../lib/ssh/local-user.ts";
import { type ConnectionPlan, type HostKeyChecking, planTarget } from "../lib/ssh/plan.ts";
import type { ProbeResult } from "../lib/ssh/probe.ts";
import {
  emptyCounts,
  exitCodeFor,
  groupResults,
  hostLine,
  renderGroup,
  summaryLine,
} from "../lib/ssh/report.ts";
import { loadSshConfig } from "../lib/ssh/ssh-config.ts";
import { collectTargets } from "../lib/ssh/targets.ts";

export const sshping = defineTool({
  name: "sshping",
  description:
    "Batch SSH liveness probe and ad-hoc command runner (replaces `ansible all -m ping`)",
  positionals: {
    name: "HOST",
    description:
      "[user@]host[:port] or a range (web[01-20].example), @FILE for a hosts file; with -i, Ansible host patterns (web:&prod:!web03)",
    variadic: true,
  },
  options: {
    inventory: {
      type: "list",
      short: "i",
      description: "Ansible inventory (INI, YAML or directory; repeatable)",
      valueHint: "FILE",
    },
    limit: {
      type: "string",
      short: "l",
      description: "Further limit hosts: a pattern, or @FILE (e.g. a --retry-file)",
      valueHint: "PATTERN",
    },
    hostsFile: {
      type: "list",
      description: "File with one [user@]host[:port] per line (repeatable, - for stdin)",
      valueHint: "FILE",
    },
    run: {
      type: "string",
      short: "c",
      description: "Run this command on every host and collect stdout/stderr/exit code",
      valueHint: "CMD",
    },
    group: {
      type: "boolean",
      short: "g",
      description: "Print hosts with identical output together (dshbak -c style)",
    },
    forks: {
      type: "integer",
      short: "f",
      default: 100,
      description: "Hosts in flight at once",
      valueHint: "N",
    },
    user: {
      type: "string",
      short: "u",
      description: "Login user when the host or inventory gives none (before ssh_config User)",
      valueHint: "USER",
    },
    port: {
      type: "integer",
      short: "p",
      description: "Port when the host or inventory gives none (before ssh_config Port)",
      valueHint: "PORT",
    },
    privateKey: {
      type: "list",
      short: "k",
      description: "Identity file to try (repeatable; added to ssh_config's IdentityFile)",
      valueHint: "FILE",
    },
    sshConfig: {
      type: "string",
      short: "F",
      description: "ssh_config file to use instead of ~/.ssh/config and /etc/ssh/ssh_config",
      valueHint: "FILE",
    },
    jump: {
      type: "string",
      short: "J",
      description:
        "ProxyJump hosts for every target ([user@]host[:port][,...]; overrides ssh_config)",
      valueHint: "HOSTS",
    },
    hostKeyChecking: {
      type: "enum",
      valueHint: "MODE",
      choices: ["strict", "accept-new", "off"],
      description: "Host key policy (default: ssh_config StrictHostKeyChecking, else strict)",
    },
    knownHosts: {
      type: "list",
      description: "known_hosts file(s) to use instead of ssh_config's UserKnownHostsFile",
      valueHint: "FILE",
    },
    connectTimeout: {
      type: "duration",
      valueHint: "DURATION",
      description: "TCP connect timeout (default: ssh_config ConnectTimeout, else 5s)",
    },
    handshakeTimeout: {
      type: "duration",
      valueHint: "DURATION",
      default: 10,
      description: "Deadline for the SSH banner, key exchange and login",
    },
    timeout: {
      type: "duration",
      valueHint: "DURATION",
      default: 60,
      description: "Deadline for the command (--run)",
    },
    retries: {
      type: "integer",
      default: 1,
      description:
        "Retries after connection errors only (never after auth, host key or command failures)",
      valueHint: "N",
    },
    retryBackoff: {
      type: "duration",
      valueHint: "DURATION",
      default: 0.5,
      description: "First retry delay, doubled each attempt",
    },
    keepalive: {
      type: "duration",
      valueHint: "DURATION",
      description: "Keepalive interval (default: ssh_config ServerAliveInterval, else 15s)",
    },
    maxOutput: {
      type: "size",
      valueHint: "SIZE",
      default: "256K",
      description: "Keep at most this much stdout and stderr per host",
    },
    passphraseEnv: {
      type: "string",
      default: "SSHPING_KEY_PASSPHRASE",
      description: "Environment variable holding the passphrase of encrypted key files",
      valueHint: "VAR",
    },
    retryFile: {
      type: "string",
      description:
        "Write the hosts that did not succeed here, one per line, re-usable as @FILE or --limit @FILE",
      valueHint: "FILE",
    },
    listHosts: {
      type: "boolean",
      description: "Print the hosts and how they would be reached, then exit (no connection)",
    },
    dryRun: {
      type: "boolean",
      short: "n",
      description: "Print what would run where (host, login, route, command), connect to nothing",
    },
  },
  exitCodes: {
    0: "every host answered (and every command exited 0)",
    1: "some command failed (non-zero exit, signal or command timeout)",
    4: "some host unreachable, or login refused (auth failed, host key unknown or changed)",
  },
  examples: [
    "sshping web[01-20].example db1:2222",
    "sshping -i inventory.ini 'web:&prod:!web03'",
    "sshping -i hosts.yml --run 'uptime' --group",
    "sshping @hosts.txt --json --retry-file failed.txt && sshping @failed.txt",
  ],
  async run(ctx) {
    const { options, out, log } = ctx;
    const env = ctx.env;
    const home = env.HOME || homedir();
    const targets = (() => {
      try {
        return collectTargets({
          args: ctx.positionals,
          hostsFiles: options.hostsFile,
          inventories: options.inventory,
          ...(options.limit ? { limit: options.limit } : {}),
        });
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    })();
    if (targets.length === 0) {
      if (ctx.positionals.length + options.hostsFile.length + options.inventory.length === 0)
        throw new UsageError("no hosts: give HOST arguments, --hosts-file FILE or -i INVENTORY");
      throw new UsageError("no hosts matched");
    }
    if (options.forks < 1) throw new UsageError("--forks must be at least 1");
    if (options.retries < 0) throw new UsageError("--retries must be 0 or more");

    const sshConfig = (() => {
      try {
        return loadSshConfig({ home, ...(options.sshConfig ? { file: options.sshConfig } : {}) });
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    })();
    const plans: ConnectionPlan[] = targets.map((target) => {
      try {
        return planTarget(target, sshConfig, {
          home,
          localUser: localUsername(env),
          identityFiles: options.privateKey,
          defaultConnectTimeoutMs: 5000,
          defaultKeepaliveIntervalMs: 15000,
          ...(options.user ? { user: options.user } : {}),
          ...(options.port !== undefined ? { port: options.port } : {}),
          ...(env.SSH_AUTH_SOCK ? { agentSocket: env.SSH_AUTH_SOCK } : {}),
          ...(options.connectTimeout !== undefined
            ? { connectTimeoutMs: options.connectTimeout * 1000 }
            : {}),
          ...(options.keepalive !== undefined
            ? { keepaliveIntervalMs: options.keepalive * 1000 }
            : {}),
          ...(options.hostKeyChecking
            ? { hostKeyChecking: options.hostKeyChecking as HostKeyChecking }
            : {}),
          ...(options.knownHosts.length > 0 ? { knownHostsFiles: options.knownHosts } : {}),
          ...(options.jump ? { jump: options.jump } : {}),
        });
      } catch (error) {
        throw new UsageError(`${target.name}: ${(error as Error).message}`);
      }
    });

    if (options.listHosts || options.dryRun) {
      const action = options.dryRun
        ? options.run === undefined
          ? "would ping"
          : `would run ${JSON.stringify(options.run)} on`
        : "";
      for (const plan of plans) {
        const via = plan.jumps.length
          ? ` via ${plan.jumps.map((j) => `${j.user}@${j.host}:${j.port}`).join(",")}`
          : "";
        if (out.json)
          out.record({
            type: "host",
            host: plan.name,
            address: plan.host,
            port: plan.port,
            user: plan.user,
            jumps: plan.jumps.map((j) => j.label),
            host_key_checking: plan.hostKeyChecking,
            ...(options.dryRun ? { dry_run: true, command: options.run ?? null } : {}),
          });
        else if (options.dryRun)
          out.line(`${action} ${plan.name} (${plan.user}@${plan.host}:${plan.port}${via})`);
        else out.line(`${plan.name}\t${plan.user}@${plan.host}:${plan.port}${via}`);
      }
      return 0;
    }

    const passphrase = env[options.passphraseEnv];
    const credentials = new Credentials({
      passphraseVariable: options.passphraseEnv,
      ...(passphrase !== undefined ? { passphrase } : {}),
    });
    const knownHosts = new KnownHostsStore();
    const context = {
      knownHosts,
      credentials,
      handshakeTimeoutMs: options.handshakeTimeout * 1000,
    };
    const jumpPool = new JumpPool(context, ctx.signal);
    const metrics = hostMetrics(ctx.metrics.registry);
    const counts = emptyCounts();
    const keepOutput = options.group;
    const kept: { result: ProbeResult; index: number }[] = [];
    const notOk: string[] = [];
    let done = 0;
    const started = performance.now();
    const withCommand = options.run !== undefined;

    await probeFleet(
      plans,
      {
        ...context,
        ...(withCommand ? { command: options.run } : {}),
        commandTimeoutMs: options.timeout * 1000,
        maxOutputBytes: options.maxOutput,
        retries: options.retries,
        retryBackoffMs: options.retryBackoff * 1000,
        jumpPool,
        concurrency: options.forks,
      },
      ctx.signal,
      (result, index) => {
        done++;
        counts[result.status]++;
        ctx.metrics.itemsProcessed.inc();
        if (result.status !== "ok") {
          ctx.metrics.errors.inc();
          notOk.push(result.spec);
        }
        metrics.up.set({ host: result.name }, result.status === "ok" ? 1 : 0);
        if (result.latencyMs !== undefined)
          metrics.latency.set({ host: result.name }, result.latencyMs / 1000);
        if (result.status === "hostkey_mismatch") log.error(`${result.name}: ${result.error}`);
        ctx.progress.clear();
        if (out.json) out.record(hostRecord(result));
        else if (!options.group) printHost(result, withCommand);
        if (keepOutput) kept.push({ result, index });
        out.flush();
        ctx.progress.update(
          () =>
            `sshping: ${done}/${plans.length} done, ${counts.ok} ok, ${done - counts.ok} not ok`,
        );
      },
    );
    jumpPool.closeAll();
    ctx.progress.clear();
    const seconds = (performance.now() - started) / 1000;

    if (options.group && !out.json) {
      kept.sort((a, b) => a.index - b.index);
      for (const group of groupResults(kept.map((k) => k.result))) out.raw(renderGroup(group));
    }
    for (const [status, count] of Object.entries(counts)) metrics.hosts.set({ status }, count);
    if (out.json) {
      out.record({
        type: "summary",
        hosts: plans.length,
        ...counts,
        seconds: round(seconds),
        not_ok: notOk,
      });
    } else {
      out.line(summaryLine(counts, plans.length, seconds));
      if (notOk.length > 0) out.line(`not ok: ${notOk.join(" ")}`);
    }
    if (options.retryFile) {
      try {
        writeFileSync(options.retryFile, notOk.map((spec) => `${spec}\n`).join(""));
      } catch (error) {
        log.error(`--retry-file ${options.retryFile}: ${(error as Error).message}`);
        return 1;
      }
    }
    return exitCodeFor(counts);

    function printHost(result: ProbeResult, command: boolean): void {
      const line = hostLine(result, command);
      const styled =
        result.status === "ok"
          ? line
          : out.style(line, result.status === "failed" ? "yellow" : "red");
      if (!command || result.exitCode === undefined) {
        out.line(styled);
        return;
      }
      out.line(`${styled} >>`);
      const text = `${result.stdout ?? ""}${result.stderr ?? ""}`;
      if (text) out.raw(text.endsWith("\n") ? text : `${text}\n`);
      if (result.truncatedBytes)
        out.line(`[${result.truncatedBytes} more bytes not kept: --max-output]`);
    }
  },
});

function hostMetrics(registry: Registry) {
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

function hostRecord(result: ProbeResult): Record<string, unknown> {
  return {
    type: "host",
    host: result.name,
    address: result.host,
    port: result.port,
    user: result.user,
    status: result.status,
    latency_ms: result.latencyMs ?? null,
    connect_ms: result.connectMs ?? null,
    ...(result.commandMs !== undefined ? { command_ms: result.commandMs } : {}),
    ...(result.exitCode !== undefined ? { exit_code: result.exitCode } : {}),
    ...(result.signal ? { signal: result.signal } : {}),
    ...(result.stdout !== undefined ? { stdout: result.stdout, stderr: result.stderr ?? "" } : {}),
    ...(result.truncatedBytes ? { truncated_bytes: result.truncatedBytes } : {}),
    error: result.error ?? null,
    ...(result.phase ? { phase: result.phase } : {}),
    attempts: result.attempts,
    ...(result.hostKeyAdded ? { host_key_added: result.hostKeyAdded } : {}),
    ...(result.serverVersion ? { server_version: result.serverVersion } : {}),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export default sshping;

if (import.meta.main) process.exit(await runTool(sshping, { argv: process.argv.slice(2) }));
