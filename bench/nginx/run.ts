/**
 * bench/nginx: nginxlog vs what people run today, same machine, same data, same run.
 *
 *   bun bench/nginx/run.ts [--sizes 1G,10G] [--runs 3] [--goaccess-max 1G] [--out bench/out/nginx]
 *     [--skip duckdb,goaccess,gz,single,only,mawk,gawk] [--pairs N]
 *
 * Generates seeded logs (bench/nginx/generate.ts; kept outside git in bench/out), warms the
 * page cache, then times each command with /usr/bin/time (wall, user+sys CPU, peak RSS) and
 * prints a markdown table with throughput and ratios against nginxlog.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { median } from "../lib/measure.ts";
import { buildReleaseBinary } from "./release-binary.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    sizes: { type: "string", default: "1G" },
    runs: { type: "string", default: "3" },
    "goaccess-max": { type: "string", default: "1G" },
    out: { type: "string", default: "bench/out/nginx" },
    skip: { type: "string", default: "" },
    // N pairs of (mawk, nginxlog full report) run in turn: the ratio per pair is the figure that
    // holds on a noisy machine, where the medians of two series minutes apart drift apart.
    pairs: { type: "string", default: "0" },
  },
});
const root = resolve(import.meta.dir, "../..");
const outDir = resolve(root, values.out);
mkdirSync(outDir, { recursive: true });
const runs = Number(values.runs);
const skip = new Set(values.skip.split(",").filter(Boolean));
const bytesOf = (text: string) =>
  Number(text.slice(0, -1)) * ({ M: 1e6, G: 1e9 }[text.slice(-1)] ?? 1);
const sh = (command: string) =>
  Bun.spawnSync(["bash", "-c", command], { stdout: "pipe", stderr: "pipe" });

function freeBytes(path: string): number {
  const out = sh(`df -B1 --output=avail ${path} | tail -1`).stdout.toString().trim();
  return Number(out);
}

// The release binary, as users run it.
const binary = buildReleaseBinary(outDir);

interface Measure {
  seconds: number;
  cpuSeconds: number;
  maxRssKb: number;
}

function measure(command: string): Measure {
  // Through a script file: no second layer of shell quoting around awk programs.
  const script = join(outDir, "command.sh");
  writeFileSync(script, `${command} > /dev/null\n`);
  const result = sh(`/usr/bin/time -f '%e %U %S %M' bash ${script} 2>&1 >/dev/null | tail -1`);
  const last = result.stdout.toString().trim().split("\n").pop() ?? "";
  const [e, u, s, m] = last.split(" ").map(Number);
  if (!result.success || e === undefined || Number.isNaN(e))
    throw new Error(`${command} failed: ${result.stderr.toString().slice(-500)}`);
  return { seconds: e, cpuSeconds: (u ?? 0) + (s ?? 0), maxRssKb: m ?? 0 };
}

function best(command: string, times: number): Measure {
  const all = Array.from({ length: times }, () => measure(command));
  all.sort((a, b) => a.seconds - b.seconds);
  return all[Math.floor((all.length - 1) / 2)] as Measure; // the median
}

const goaccessFormat = `'%h %^[%d:%t %^] "%r" %s %b "%R" "%u" %T %^'`;
const awkProgram = `'{ s[$9]++; c[$1]++ } END { for (k in s) print "status", k, s[k]; for (k in c) print c[k], k | "sort -rn | head -10" }'`;

const results: Record<string, unknown>[] = [];
for (const size of values.sizes.split(",")) {
  const target = bytesOf(size);
  const log = join(outDir, `access-${size}.log`);
  if (!existsSync(log)) {
    const need = target * 1.5;
    if (freeBytes(outDir) < need) {
      console.error(`skipping ${size}: needs ${need} bytes free in ${outDir}`);
      continue;
    }
    console.error(`generating ${log}`);
    const gen = Bun.spawnSync(
      [process.execPath, join(root, "bench/nginx/generate.ts"), log, size, "--seed", "42"],
      {
        stdout: "inherit",
        stderr: "inherit",
      },
    );
    if (!gen.success) throw new Error("generate failed");
  }
  const bytes = statSync(log).size;
  sh(`cat ${log} > /dev/null`); // page cache
  const commands: [string, string, number][] = [
    ["cat > /dev/null (I/O ceiling)", `cat ${log}`, runs],
    ["nginxlog full report (2 workers)", `${binary} ${log} --format timed --json`, runs],
    ["nginxlog full report (1 thread)", `${binary} ${log} --format timed --json --threads 1`, runs],
    [
      "nginxlog --only ips (status + top IPs, 2 workers)",
      `${binary} ${log} --format timed --json --only ips`,
      runs,
    ],
    ["mawk: status + top-10 IPs", `mawk ${awkProgram} ${log}`, runs],
    ["gawk: status + top-10 IPs", `gawk ${awkProgram} ${log}`, runs],
  ];
  if (!skip.has("duckdb"))
    commands.push([
      "DuckDB read_csv + group-bys (2 threads)",
      `${process.execPath} ${join(root, "bench/nginx/duckdb.ts")} ${log}`,
      runs,
    ]);
  if (!skip.has("goaccess") && target <= bytesOf(values["goaccess-max"]))
    commands.push([
      "GoAccess JSON report",
      `goaccess ${log} --log-format=${goaccessFormat} --date-format=%d/%b/%Y --time-format=%T --no-global-config -o ${join(outDir, "goaccess.json")}`,
      1,
    ]);
  if (!skip.has("gz")) {
    const gz = `${log}.gz`;
    if (!existsSync(gz)) sh(`gzip -1 -c ${log} > ${gz}`);
    sh(`cat ${gz} > /dev/null`);
    commands.push(
      ["nginxlog .gz (in-process gunzip)", `${binary} ${gz} --format timed --json`, runs],
      ["gzip -dc | mawk", `gzip -dc ${gz} | mawk ${awkProgram}`, runs],
    );
  }
  // --skip also takes: single (1-thread run), only (--only ips), mawk, gawk.
  const skipped = (name: string) =>
    (skip.has("single") && name.includes("1 thread")) ||
    (skip.has("only") && name.includes("--only")) ||
    (skip.has("mawk") && name.startsWith("mawk")) ||
    (skip.has("gawk") && name.startsWith("gawk"));
  for (const [name, command, times] of commands) {
    if (skipped(name)) continue;
    console.error(`${size}: ${name}`);
    const m = best(command, times);
    results.push({ size, bytes, name, command, ...m, gbPerSecond: bytes / m.seconds / 1e9 });
    console.error(
      `  ${m.seconds.toFixed(2)} s  ${(bytes / m.seconds / 1e9).toFixed(3)} GB/s  cpu ${m.cpuSeconds.toFixed(2)} s  rss ${(m.maxRssKb / 1024).toFixed(0)} MiB`,
    );
  }
}
writeFileSync(join(outDir, "results.json"), JSON.stringify(results, null, 2));

/** mawk then nginxlog, `count` times in turn over `log`: each pair's ratio, and their median. */
function pairedRatios(log: string, count: number): string {
  const ratios: number[] = [];
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < count; i++) {
    const mawk = measure(`mawk ${awkProgram} ${log}`).seconds;
    const nginxlog = measure(`${binary} ${log} --format timed --json`).seconds;
    theirs.push(mawk);
    ours.push(nginxlog);
    ratios.push(mawk / nginxlog);
    console.error(`  pair ${i + 1}: mawk ${mawk.toFixed(2)} s, nginxlog ${nginxlog.toFixed(2)} s`);
  }
  return `${count} pairs over ${log}: nginxlog ${median(ours).toFixed(2)} s median (${Math.min(...ours).toFixed(2)}-${Math.max(...ours).toFixed(2)}), mawk ${median(theirs).toFixed(2)} s; **${median(ratios).toFixed(2)}x** median per pair (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}x)`;
}

// Markdown: per size, ratio = tool time / nginxlog (2 workers) time on the same input.
const lines = [
  "| size | command | wall s | GB/s | CPU s | peak RSS MiB | time vs nginxlog |",
  "|---|---|---:|---:|---:|---:|---:|",
];
for (const r of results) {
  const ours = results.find(
    (x) => x.size === r.size && x.name === "nginxlog full report (2 workers)",
  ) as { seconds: number } | undefined;
  const m = r as unknown as Measure & { size: string; name: string; gbPerSecond: number };
  lines.push(
    `| ${m.size} | ${m.name} | ${m.seconds.toFixed(2)} | ${m.gbPerSecond.toFixed(3)} | ${m.cpuSeconds.toFixed(2)} | ${(m.maxRssKb / 1024).toFixed(0)} | ${ours ? `${(m.seconds / ours.seconds).toFixed(2)}x` : "-"} |`,
  );
}
console.log(lines.join("\n"));
const pairs = Number(values.pairs);
if (pairs > 0)
  for (const size of values.sizes.split(",")) {
    const log = join(outDir, `access-${size}.log`);
    if (!existsSync(log)) continue;
    console.error(`${size}: ${pairs} pairs of mawk and nginxlog in turn`);
    console.log(`\n${size}: ${pairedRatios(log, pairs)}`);
  }
