/**
 * bench/ssh: sshping against what people use today to check or poke a fleet over SSH, on real
 * sshd servers listening on 127.0.0.x (tests/env/sshd.ts), remote command `true`, same run.
 *
 *   bun bench/ssh/run.ts [--hosts 100,500] [--reps 3] [--skip "TOOL@HOSTS",...] [--only PREFIX,...]
 *
 * Needs: openssh-server/client, pssh, pdsh (apt), and a Python venv with ansible-core and
 * paramiko (pip) at $OPSCTL_CACHE/bench-ssh-venv (created if missing).
 * Prints a Markdown table per host count and writes bench/out/ssh-results.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { type SshdFleet, startSshdFleet } from "../../tests/env/sshd.ts";
import { compiledTool } from "../../tests/helpers/compiled.ts";
import { median } from "../lib/measure.ts";

const root = resolve(import.meta.dir, "../..");
const here = import.meta.dir;
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? (args[index + 1] ?? fallback) : fallback;
};
const hostCounts = flag("hosts", "100").split(",").map(Number);
const reps = Number(flag("reps", "3"));
const skip = new Set(flag("skip", "").split(",").filter(Boolean));
/** --only sshping,paramiko: tools whose name starts with one of these (more reps for the fast ones). */
const only = flag("only", "").split(",").filter(Boolean);
const cache = process.env.OPSCTL_CACHE ?? join(process.env.HOME ?? "/root", ".cache/opsctl");
const venv = join(cache, "bench-ssh-venv");

function ensureVenv(): void {
  if (existsSync(join(venv, "bin/ansible")) && existsSync(join(venv, "bin/python"))) return;
  console.error(`creating ${venv} (ansible-core, paramiko from PyPI)`);
  for (const command of [
    ["python3", "-m", "venv", venv],
    [join(venv, "bin/pip"), "install", "-q", "ansible-core", "paramiko"],
  ]) {
    const result = Bun.spawnSync(command, { stdout: "inherit", stderr: "inherit" });
    if (!result.success) throw new Error(`${command.join(" ")} failed`);
  }
}

interface Tool {
  name: string;
  command: string[];
  env?: Record<string, string>;
  /** True when the output shows every host succeeded. */
  verify: (stdout: string, exitCode: number, hosts: number) => boolean;
}

interface Measurement {
  exit_code: number;
  wall_s: number;
  cpu_s: number;
  peak_rss_mib: number;
  max_single_rss_mib: number;
}

function toolsFor(dir: string, fleet: SshdFleet, sshping: string): Tool[] {
  const hosts = join(dir, "hosts");
  const config = join(dir, "ssh_config");
  const port = String(fleet.hosts[0]?.port);
  const countLines = (text: string, pattern: RegExp) =>
    text.split("\n").filter((line) => pattern.test(line)).length;
  const ansible = (forks: number): Tool => ({
    name: `ansible -m ping -f ${forks}`,
    command: [
      join(venv, "bin/ansible"),
      "all",
      "-i",
      join(dir, "inventory.ini"),
      "-m",
      "ping",
      "-f",
      String(forks),
    ],
    env: {
      ANSIBLE_SSH_ARGS: `-C -o ControlMaster=no -F ${config}`,
      ANSIBLE_PYTHON_INTERPRETER: "/usr/bin/python3",
      ANSIBLE_HOST_KEY_CHECKING: "True",
      ANSIBLE_LOCAL_TEMP: join(dir, "ansible-tmp"),
      ANSIBLE_NOCOLOR: "1",
      ANSIBLE_CONFIG: join(dir, "ansible.cfg"),
    },
    verify: (out, _code, n) => countLines(out, /\| SUCCESS =>/) === n,
  });
  return [
    {
      name: "sshping --run true",
      command: [sshping, `@${hosts}`, "-F", config, "--run", "true", "--json"],
      verify: (out, code, n) => code === 0 && out.includes(`"ok":${n},`),
    },
    {
      name: "sshping (ping: login only)",
      command: [sshping, `@${hosts}`, "-F", config, "--json"],
      verify: (out, code, n) => code === 0 && out.includes(`"ok":${n},`),
    },
    ansible(5),
    ansible(100),
    {
      name: "parallel-ssh -p 100",
      command: [
        "/usr/bin/parallel-ssh",
        "-h",
        hosts,
        "-p",
        "100",
        "-t",
        "60",
        "-x",
        `-F ${config}`,
        "true",
      ],
      verify: (out, code, n) => code === 0 && countLines(out, /\[SUCCESS\]/) === n,
    },
    {
      name: "pdsh -f 100",
      command: [
        "/usr/bin/pdsh",
        "-S",
        "-R",
        "ssh",
        "-f",
        "100",
        "-l",
        fleet.user,
        "-w",
        `^${hosts}`,
        "true",
      ],
      env: { PDSH_SSH_ARGS: `-a -x -F ${config} -l%u %h` },
      verify: (_out, code) => code === 0,
    },
    {
      name: "xargs -P 100 ssh",
      command: ["xargs", "-a", hosts, "-P", "100", "-I{}", "ssh", "-F", config, "{}", "true"],
      verify: (_out, code) => code === 0,
    },
    {
      name: "paramiko, 100 threads",
      command: [
        join(venv, "bin/python"),
        join(here, "paramiko_ping.py"),
        hosts,
        fleet.user,
        port,
        fleet.clientKey,
        join(dir, "known_hosts"),
        "true",
        "100",
      ],
      verify: (out, code, n) => code === 0 && out.includes(`${n}/${n} ok`),
    },
  ];
}

function prepare(dir: string, fleet: SshdFleet): void {
  mkdirSync(join(dir, "ansible-tmp"), { recursive: true });
  writeFileSync(join(dir, "known_hosts"), `${fleet.knownHostsLines().join("\n")}\n`);
  writeFileSync(join(dir, "hosts"), `${fleet.hosts.map((h) => h.address).join("\n")}\n`);
  writeFileSync(
    join(dir, "inventory.ini"),
    `[fleet]\n${fleet.hosts.map((h) => h.address).join("\n")}\n`,
  );
  writeFileSync(join(dir, "ansible.cfg"), "[defaults]\n");
  writeFileSync(
    join(dir, "ssh_config"),
    [
      "Host *",
      `  User ${fleet.user}`,
      `  Port ${fleet.hosts[0]?.port}`,
      `  IdentityFile ${fleet.clientKey}`,
      "  IdentitiesOnly yes",
      `  UserKnownHostsFile ${join(dir, "known_hosts")}`,
      "  StrictHostKeyChecking yes",
      "  BatchMode yes",
      "  LogLevel ERROR",
      "",
    ].join("\n"),
  );
}

function measure(tool: Tool, dir: string, hosts: number): Measurement & { ok: boolean } {
  const out = join(dir, "last.out");
  const err = join(dir, "last.err");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: join(dir, "home"),
    LANG: "C.UTF-8",
    ...tool.env,
  };
  mkdirSync(env.HOME ?? dir, { recursive: true });
  const result = Bun.spawnSync(["python3", join(here, "measure.py"), out, err, ...tool.command], {
    env,
    cwd: dir,
  });
  if (!result.success) throw new Error(`measure.py failed: ${result.stderr}`);
  const measurement = JSON.parse(result.stdout.toString()) as Measurement;
  const stdout = readFileSync(out, "utf8");
  const ok = tool.verify(stdout, measurement.exit_code, hosts);
  if (!ok)
    console.error(
      `  ! ${tool.name}: not every host succeeded (exit ${measurement.exit_code})\n${stdout.slice(0, 400)}${readFileSync(err, "utf8").slice(0, 400)}`,
    );
  return { ...measurement, ok };
}

ensureVenv();
const sshping = await compiledTool("sshping");
const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memory_gib: Math.round(totalmem() / 2 ** 30),
  },
  reps,
  runs: {} as Record<string, unknown>,
};
for (const count of hostCounts) {
  const fleet = await startSshdFleet({ count, logLevel: "ERROR" });
  const dir = join(root, "bench/out", `ssh-${count}`);
  mkdirSync(dir, { recursive: true });
  prepare(dir, fleet);
  const tools = toolsFor(dir, fleet, sshping).filter(
    (tool) =>
      !skip.has(`${tool.name}@${count}`) &&
      (only.length === 0 || only.some((prefix) => tool.name.startsWith(prefix))),
  );
  const samples = new Map<string, (Measurement & { ok: boolean })[]>();
  // Interleaved repetitions: drift from other jobs on the machine hits every tool alike.
  for (let rep = 0; rep < reps; rep++) {
    for (const tool of tools) {
      const slow = tool.name.includes("-f 5") && count > 100 && rep > 0;
      if (slow) continue; // one run is enough for minutes-long runs
      const m = measure(tool, dir, count);
      console.error(
        `${count} hosts rep ${rep + 1}: ${tool.name}: ${m.wall_s}s wall, ${m.cpu_s}s cpu, ${m.peak_rss_mib} MiB`,
      );
      samples.set(tool.name, [...(samples.get(tool.name) ?? []), m]);
    }
  }
  fleet.stop();
  const rows = tools.map((tool) => {
    const runs = samples.get(tool.name) ?? [];
    return {
      tool: tool.name,
      command: tool.command
        .map((part) => part.replace(dir, "$DIR").replace(venv, "$VENV").replace(sshping, "sshping"))
        .join(" "),
      runs: runs.length,
      all_ok: runs.every((r) => r.ok),
      wall_s: median(runs.map((r) => r.wall_s)),
      cpu_s: median(runs.map((r) => r.cpu_s)),
      peak_rss_mib: median(runs.map((r) => r.peak_rss_mib)),
    };
  });
  (report.runs as Record<string, unknown>)[String(count)] = rows;
  const base = rows[0];
  console.log(`\n### ${count} hosts, remote \`true\` (median of ${reps} runs)\n`);
  console.log(
    "| tool | wall s | vs sshping | client CPU s | vs sshping | peak RSS MiB (tree) | all hosts ok |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const row of rows) {
    const wallRatio = base ? (row.wall_s / base.wall_s).toFixed(1) : "-";
    const cpuRatio = base ? (row.cpu_s / base.cpu_s).toFixed(1) : "-";
    console.log(
      `| ${row.tool} | ${row.wall_s.toFixed(2)} | ${wallRatio}x | ${row.cpu_s.toFixed(2)} | ${cpuRatio}x | ${row.peak_rss_mib.toFixed(0)} | ${row.all_ok ? "yes" : "NO"} (${row.runs} runs) |`,
    );
  }
}
writeFileSync(join(root, "bench/out/ssh-results.json"), `${JSON.stringify(report, null, 2)}\n`);
process.exit(0);
