/**
 * bench/fs: ffind and logclean against what SREs use today, same run, same data.
 *
 *   bun bench/fs/run.ts [--dir /var/tmp/opsctl-bench-fs] [--runs 10] [--no-cold] [--only ffind|logclean]
 *
 * Needs hyperfine, fd-find, /usr/bin/time, Go and Python 3. Drops the page cache for the cold
 * runs when it may (root). Prints a Markdown table of means, ratios and peak RSS, and writes the
 * raw hyperfine JSON under bench/out/.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    dir: { type: "string", default: "/var/tmp/opsctl-bench-fs" },
    runs: { type: "string", default: "10" },
    "no-cold": { type: "boolean", default: false },
    only: { type: "string" },
    "clean-runs": { type: "string", default: "3" },
  },
});
const repo = resolve(import.meta.dir, "../..");
const out = join(repo, "bench/out");
const work = values.dir ?? "/var/tmp/opsctl-bench-fs";
const tree = join(work, "tree");
const copy = join(work, "copy");
const runs = Number(values.runs);
const cleanRuns = Number(values["clean-runs"]);
mkdirSync(out, { recursive: true });
mkdirSync(work, { recursive: true });

// The data lives on its own ext4 filesystem (a loop-mounted sparse image) so `sync -f` after each
// fresh copy flushes only our writes, not those of everything else on the machine.
const image = `${work}.img`;
const mounted = readFileSync("/proc/self/mountinfo", "utf8").includes(` ${work} `);
if (!mounted) {
  if (!existsSync(image))
    Bun.spawnSync(["bash", "-c", `truncate -s 6G ${image} && mkfs.ext4 -q -F -i 4096 ${image}`]);
  const mount = Bun.spawnSync(["mount", "-o", "loop", image, work], { stderr: "pipe" });
  if (mount.exitCode !== 0)
    console.error(
      `bench/fs: cannot loop-mount ${image} (${mount.stderr.toString().trim()}); using ${work} as is`,
    );
}

function sh(command: string, quiet = false): string {
  const result = Bun.spawnSync(["bash", "-c", command], {
    cwd: repo,
    stderr: quiet ? "pipe" : "inherit",
  });
  if (result.exitCode !== 0) throw new Error(`failed (${result.exitCode}): ${command}`);
  return result.stdout.toString();
}

// 1. Data: regenerated when missing or older than 6 h (ages are relative to generation time).
const marker = join(work, "generated-at");
const generatedAt = existsSync(marker) ? Number(readFileSync(marker, "utf8")) : 0;
if (Date.now() / 1000 - generatedAt > 6 * 3600) {
  sh(
    `rm -rf ${tree} && ${process.execPath} bench/fs/gen-tree.ts ${tree} --files 200000 --dirs 2000 --seed 42`,
  );
  writeFileSync(marker, String(Math.floor(Date.now() / 1000)));
}

// 2. Binaries: ours as released, the Go baselines with the machine's Go.
sh(`${process.execPath} build.ts --tools ffind,logclean --no-archives --out ${out}/bin >/dev/null`);
const version = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).version as string;
const target = `${process.platform === "darwin" ? "darwin" : "linux"}-${process.arch}`;
const ffind = join(out, "bin", `ffind-${version}-${target}`);
const logclean = join(out, "bin", `logclean-${version}-${target}`);
sh(
  `cd bench/fs/go && go build -o ${out}/go-ffind ./ffind && go build -o ${out}/go-logclean ./logclean`,
);
// The floors: the same walk in C (kernel cost only) and as a bare Bun FFI loop (Bun's cost).
sh(`gcc -O2 -o ${out}/floor-walk bench/fs/floor/walk.c -lpthread`);
sh(
  `${process.execPath} build --compile --minify --bytecode --format=esm bench/fs/floor/bare-walk.ts --outfile ${out}/floor-bare-walk >/dev/null`,
);

const canDrop = (() => {
  try {
    writeFileSync("/proc/sys/vm/drop_caches", "3");
    return true;
  } catch {
    return false;
  }
})();

interface Row {
  name: string;
  command: string;
  mean: number;
  stddev: number;
  median: number;
  /** user + system CPU seconds per run: steadier than wall time on a shared machine. */
  cpu: number;
  rssKiB?: number;
}

function hyperfine(label: string, commands: [string, string][], extra: string[]): Row[] {
  const json = join(out, `fs-${label}.json`);
  const args = [
    "hyperfine",
    "--export-json",
    json,
    "--style",
    "basic",
    ...extra,
    ...commands.flatMap(([name, command]) => ["-n", name, command]),
  ];
  const result = Bun.spawnSync(args, { cwd: repo, stdout: "inherit", stderr: "inherit" });
  if (result.exitCode !== 0) throw new Error(`hyperfine ${label} failed`);
  const data = JSON.parse(readFileSync(json, "utf8")) as {
    results: {
      command: string;
      mean: number;
      stddev: number;
      median: number;
      user: number;
      system: number;
    }[];
  };
  return data.results.map((r, i) => ({
    name: commands[i]?.[0] ?? r.command,
    command: commands[i]?.[1] ?? r.command,
    mean: r.mean,
    stddev: r.stddev,
    median: r.median,
    cpu: r.user + r.system,
  }));
}

/** Peak RSS of one run, from GNU time. */
function peakRss(command: string, prepare?: string): number {
  if (prepare) sh(prepare, true);
  const result = Bun.spawnSync(
    ["/usr/bin/time", "-f", "%M", "bash", "-c", `${command} >/dev/null`],
    {
      cwd: repo,
      stderr: "pipe",
    },
  );
  const lines = result.stderr.toString().trim().split("\n");
  return Number(lines[lines.length - 1]);
}

/** Written after every section, so a long run that is cut short keeps what it measured. */
function save(): void {
  writeFileSync(join(out, "fs-results.md"), report.join("\n"));
}

function table(title: string, rows: Row[], baseline: string): string {
  const ours = rows[0] as Row;
  const lines = [
    `### ${title}`,
    "",
    "| command | mean ± σ (ms) | median (ms) | ratio (median) | CPU user+sys (ms) | peak RSS (MiB) |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  const ms = (seconds: number) => (seconds * 1000).toFixed(1);
  for (const row of rows) {
    const ratio = row === ours ? "1.00" : (row.median / ours.median).toFixed(2);
    const rss = row.rssKiB ? (row.rssKiB / 1024).toFixed(1) : "?";
    lines.push(
      `| ${row.name}: \`${row.command.replaceAll(work, "$D").replaceAll(repo, ".")}\` | ${ms(row.mean)} ± ${ms(row.stddev)} | ${ms(row.median)} | ${ratio} | ${ms(row.cpu)} | ${rss} |`,
    );
  }
  lines.push("", `(ratio = other's median / ${baseline}'s median; > 1 means ours is faster)`, "");
  return lines.join("\n");
}

const report: string[] = [
  `Machine: ${sh("nproc", true).trim()} cores, ${sh("free -g | awk '/Mem:/{print $2}'", true).trim()} GiB, load before: ${sh("cut -d' ' -f1-3 /proc/loadavg", true).trim()}; ${new Date().toISOString()}`,
  `Tree: 200,000 files in 2,000 dirs (+167 parents), 66,667 *.log, mtimes over 14 days (bench/fs/gen-tree.ts, seed 42), on a loop-mounted ext4 image on the VM's virtio disk.`,
  "",
];

if (!values.only || values.only === "ffind") {
  const finders: [string, string][] = [
    ["ffind --count", `${ffind} ${tree} --name '*.log' --count`],
    ["find|grep|wc", `bash -c "find ${tree} -name '*.log' | grep log | wc -l"`],
    ["fd", `fdfind -u -e log . ${tree}`],
    ["Go (goroutines+channels)", `${out}/go-ffind -name '*.log' ${tree}`],
    ["ffind (print paths)", `${ffind} ${tree} --name '*.log'`],
    ["ffind --count, one thread", `${ffind} ${tree} --name '*.log' --count --threads 1`],
    ["floor: C getdents64 walk, 1 thread", `${out}/floor-walk 1 ${tree}`],
    ["floor: C getdents64 walk, 2 threads", `${out}/floor-walk 2 ${tree}`],
    ["floor: bare Bun FFI loop, 1 thread", `${out}/floor-bare-walk ${tree}`],
  ];
  const expected = sh(`find ${tree} -name '*.log' | wc -l`, true).trim();
  // Every row that prints a count (not "ffind (print paths)") must count what find counts.
  for (const [name, command] of finders.filter(([label]) => label !== "ffind (print paths)")) {
    const got = sh(command, true).trim().split("\n").length;
    const count = name === "fd" ? String(got) : sh(command, true).trim();
    if (count !== expected) throw new Error(`${name} counted ${count}, find ${expected}`);
  }
  const warm = hyperfine("ffind-warm", finders, ["-N", "--warmup", "3", "--runs", String(runs)]);
  for (const row of warm) row.rssKiB = peakRss(row.command);
  report.push(table("ffind, warm cache", warm, "ffind --count"));
  save();
  if (!values["no-cold"] && canDrop) {
    // A 100 MB Bun executable read back from disk is part of a cold start: measured apart.
    const coldRows: [string, string][] = [
      ...finders.slice(0, 4),
      finders[5] as [string, string],
      ["ffind --version (startup only)", `${ffind} --version`],
    ];
    const cold = hyperfine("ffind-cold", coldRows, [
      "-N",
      "--prepare",
      `bash -c "sync; echo 3 > /proc/sys/vm/drop_caches"`,
      "--runs",
      String(Math.max(3, Math.floor(runs / 2))),
    ]);
    for (const row of cold)
      row.rssKiB = peakRss(row.command, "sync; echo 3 > /proc/sys/vm/drop_caches");
    report.push(
      table("ffind, cold cache (page cache dropped before each run)", cold, "ffind --count"),
    );
    save();
  } else if (!canDrop) {
    report.push("Cold cache: not measured (cannot write /proc/sys/vm/drop_caches here).", "");
  }
}

if (!values.only || values.only === "logclean") {
  const prepare = `rm -rf ${copy} && cp -a ${tree} ${copy} && sync -f ${copy}`;
  const cleaners: [string, string][] = [
    ["logclean --days 7", `${logclean} ${copy} --days 7`],
    ["find -delete", `find ${copy} -name '*.log' -mmin +10080 -delete`],
    ["Go (goroutines)", `${out}/go-logclean -days 7 ${copy}`],
    ["Python (os.scandir)", `python3 bench/fs/py/logclean.py ${copy} 7`],
  ];
  // Same work for all: each leaves the same number of files. This pass also takes peak RSS.
  const rss = new Map<string, number>();
  const remaining = cleaners.map(([name, command]) => {
    rss.set(name, peakRss(command, prepare));
    return [name, sh(`find ${copy} -type f | wc -l`, true).trim()];
  });
  // Files cross the 7-day line as minutes pass (about 3 a minute): allow that much drift.
  const counts = remaining.map((r) => Number(r[1]));
  if (Math.max(...counts) - Math.min(...counts) > 50)
    throw new Error(`different results: ${JSON.stringify(remaining)}`);
  const rows = hyperfine("logclean", cleaners, [
    "--prepare",
    `bash -c "${prepare}"`,
    "--runs",
    String(cleanRuns),
    "--shell",
    "none",
  ]);
  for (const row of rows) row.rssKiB = rss.get(row.name);
  report.push(
    table(
      `logclean --days 7 on a fresh copy each run (files left: ${remaining.map((r) => r[1]).join(", ")})`,
      rows,
      "logclean",
    ),
  );
  save();
  sh(`rm -rf ${copy}`, true);
}

save();
console.log(`\n${report.join("\n")}`);
