/** process: is a process running (by name, command-line regex or pidfile), and its RSS and CPU. */
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { onlyKeys, optNumber, optSize, optString, regex } from "../fields.ts";
import type { CheckKind } from "../types.ts";
import { readLocalFile } from "./local-file.ts";

export interface ProcessSettings {
  cmdline: RegExp | undefined;
  minCount: number;
  maxCount: number | undefined;
  maxRssBytes: number | undefined;
}

/** A pid and a newline, with room to spare. */
const maxPidfileBytes = 4096;

/** Linux reports CPU times in clock ticks; USER_HZ is 100 on every mainstream kernel build. */
const ticksPerSecond = 100;

interface ProcInfo {
  pid: number;
  comm: string;
  cmdline: string;
  rssBytes: number;
  cpuSeconds: number;
  startTicks: number;
}

/** /proc/<pid>/stat: comm, state, CPU ticks, start time (one small read per process). */
function readStat(
  pid: number,
): { comm: string; cpuSeconds: number; startTicks: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined; // exited while we looked
  }
  // comm is in parentheses and may itself contain spaces and parentheses.
  const close = stat.lastIndexOf(")");
  const fields = stat.slice(close + 2).split(" ");
  if (fields[0] === "Z") return undefined; // a zombie is not running
  return {
    comm: stat.slice(stat.indexOf("(") + 1, close),
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond,
    startTicks: Number(fields[19]),
  };
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** The rest of a match: command line and RSS (VmRSS: exact whatever the page size); undefined once gone. */
function complete(
  pid: number,
  stat: NonNullable<ReturnType<typeof readStat>>,
  cmdline?: string,
): ProcInfo | undefined {
  const status = readText(`/proc/${pid}/status`);
  if (status === "" || /^State:\s+Z/m.test(status)) return undefined;
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  return { pid, ...stat, cmdline: cmdline ?? cmdlineOf(pid), rssBytes: rssKb * 1024 };
}

function cmdlineOf(pid: number): string {
  return readText(`/proc/${pid}/cmdline`).replaceAll("\0", " ").trim();
}

/** Unix time of boot, or undefined where /proc/stat is hidden (systemd ProcSubset=pid). */
async function bootTime(): Promise<number | undefined> {
  try {
    const stat = await readFile("/proc/stat", "utf8");
    const btime = Number(/^btime\s+(\d+)/m.exec(stat)?.[1]);
    return btime > 0 ? btime : undefined;
  } catch {
    return undefined;
  }
}

/** One scan of /proc serves every process check that runs within the same second. */
let table: { at: number; stats: Map<number, NonNullable<ReturnType<typeof readStat>>> } | undefined;

function processTable(): Map<number, NonNullable<ReturnType<typeof readStat>>> {
  // Monotonic: with the wall clock stepped back, the last scan would be reused until it caught up.
  const now = performance.now();
  if (table && now - table.at < 1000) return table.stats;
  const stats = new Map<number, NonNullable<ReturnType<typeof readStat>>>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const stat = readStat(pid);
    if (stat) stats.set(pid, stat);
  }
  table = { at: now, stats };
  return stats;
}

/**
 * Scans /proc reading only each process's stat (sync: /proc never touches a disk, and 10 process
 * checks x hundreds of pids would otherwise allocate thousands of promises per round); the
 * command line is read only when the name test needs it.
 */
async function findProcesses(target: string, settings: ProcessSettings): Promise<ProcInfo[]> {
  if (target.startsWith("/")) {
    let text: string;
    try {
      text = await readLocalFile(target, maxPidfileBytes);
    } catch (error) {
      throw new Error(`pidfile ${target}: ${(error as Error).message}`);
    }
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`pidfile ${target}: no pid in it`);
    const stat = readStat(pid);
    const info = stat && complete(pid, stat);
    return info && (!settings.cmdline || settings.cmdline.test(info.cmdline)) ? [info] : [];
  }
  const anyName = target === "" || target === "*";
  const found: ProcInfo[] = [];
  for (const [pid, stat] of processTable()) {
    // comm is cut at 15 bytes; argv[0]'s base name settles longer names.
    const maybeTruncated = stat.comm.length === 15 && target.startsWith(stat.comm);
    let cmdline: string | undefined;
    let nameMatches = anyName || stat.comm === target;
    if (!nameMatches && maybeTruncated) {
      cmdline = cmdlineOf(pid);
      nameMatches = (cmdline.split(" ")[0]?.split("/").pop() ?? "") === target;
    }
    if (!nameMatches) continue;
    if (settings.cmdline) {
      cmdline ??= cmdlineOf(pid);
      if (!settings.cmdline.test(cmdline)) continue;
    }
    const info = complete(pid, stat, cmdline);
    if (info) found.push(info);
  }
  return found;
}

export const processCheck: CheckKind<ProcessSettings> = {
  kind: "process",
  description: "A process by name (or '*' with cmdline_regexp) or pidfile path: count, RSS, CPU",
  parse(raw, where) {
    onlyKeys(raw, ["cmdline_regexp", "min_count", "max_count", "max_rss_bytes"], where);
    const cmdline = optString(raw, "cmdline_regexp", where);
    return {
      cmdline: cmdline === undefined ? undefined : regex(cmdline, `${where}.cmdline_regexp`),
      minCount: optNumber(raw, "min_count", where) ?? 1,
      maxCount: optNumber(raw, "max_count", where),
      maxRssBytes: optSize(raw, "max_rss_bytes", where),
    };
  },
  metrics: {
    process_matches: { help: "Matching processes running.", type: "gauge" },
    process_resident_memory_bytes: {
      help: "Resident memory of the matching processes.",
      type: "gauge",
    },
    process_cpu_seconds_total: {
      help: "User and system CPU time of the matching processes.",
      type: "counter",
    },
    process_start_time_seconds: { help: "Unix time the oldest match started.", type: "gauge" },
  },
  async run({ target, settings, result }) {
    let found: ProcInfo[];
    try {
      found = await findProcesses(target, settings);
    } catch (error) {
      result.set("process_matches", 0);
      return result.fail((error as Error).message);
    }
    result.set("process_matches", found.length);
    const rss = found.reduce((sum, info) => sum + info.rssBytes, 0);
    result.set("process_resident_memory_bytes", rss);
    result.set(
      "process_cpu_seconds_total",
      found.reduce((sum, info) => sum + info.cpuSeconds, 0),
    );
    if (found.length > 0) {
      const oldest = Math.min(...found.map((info) => info.startTicks));
      const boot = await bootTime();
      if (boot !== undefined)
        result.set("process_start_time_seconds", boot + oldest / ticksPerSecond);
    }
    let ok = true;
    if (found.length < settings.minCount)
      ok = result.fail(
        `${found.length} processes match "${target}", expected at least ${settings.minCount}`,
      );
    if (settings.maxCount !== undefined && found.length > settings.maxCount)
      ok = result.fail(
        `${found.length} processes match "${target}", expected at most ${settings.maxCount}`,
      );
    if (settings.maxRssBytes !== undefined && rss > settings.maxRssBytes)
      ok = result.fail(`RSS ${rss} bytes is above max_rss_bytes ${settings.maxRssBytes}`);
    return ok;
  },
};
