/** process: is a process running (by name, command-line regex or pidfile), and its RSS and CPU. */
import { readdir, readFile } from "node:fs/promises";
import { onlyKeys, optNumber, optSize, optString, regex } from "../fields.ts";
import type { CheckKind } from "../types.ts";

export interface ProcessSettings {
  cmdline: RegExp | undefined;
  minCount: number;
  maxCount: number | undefined;
  maxRssBytes: number | undefined;
}

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

async function readProc(pid: number): Promise<ProcInfo | undefined> {
  try {
    const [stat, status, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/stat`, "utf8"),
      readFile(`/proc/${pid}/status`, "utf8"),
      readFile(`/proc/${pid}/cmdline`, "utf8"),
    ]);
    // comm is in parentheses and may itself contain spaces and parentheses.
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const fields = stat.slice(close + 2).split(" ");
    if (fields[0] === "Z") return undefined; // a zombie is not running
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return {
      pid,
      comm,
      cmdline: cmdline.replaceAll("\0", " ").trim(),
      rssBytes: rssKb * 1024,
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond,
      startTicks: Number(fields[19]),
    };
  } catch {
    return undefined; // exited while we looked
  }
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

async function findProcesses(target: string, settings: ProcessSettings): Promise<ProcInfo[]> {
  if (target.startsWith("/")) {
    let text: string;
    try {
      text = await readFile(target, "utf8");
    } catch (error) {
      throw new Error(`pidfile ${target}: ${(error as Error).message}`);
    }
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`pidfile ${target}: no pid in it`);
    const info = await readProc(pid);
    return info && (!settings.cmdline || settings.cmdline.test(info.cmdline)) ? [info] : [];
  }
  const pids = (await readdir("/proc")).filter((name) => /^\d+$/.test(name)).map(Number);
  const found: ProcInfo[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const info = await readProc(pid);
    if (!info) continue;
    const argv0 = info.cmdline.split(" ")[0]?.split("/").pop() ?? "";
    const nameMatches = target === "" || target === "*" || info.comm === target || argv0 === target;
    if (nameMatches && (!settings.cmdline || settings.cmdline.test(info.cmdline))) found.push(info);
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
