#!/usr/bin/env python3
"""Runs one command and reports wall time, CPU seconds and peak RSS of its whole process tree.

CPU: user+system of the child and every descendant it waited for (wait4 rusage).
Peak RSS: the largest sum of VmRSS over the live process tree, sampled every 10 ms from /proc
(GNU time only reports the largest single process). Prints one JSON object on stdout; the
command's own stdout/stderr go to the files given.
"""
import json
import os
import subprocess
import sys
import threading
import time


def tree_rss_kib(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{name}/statm") as f:
                pages = int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        pid = int(name)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = pages * (os.sysconf("SC_PAGE_SIZE") // 1024)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def main() -> None:
    out_path, err_path, *command = sys.argv[1:]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss_kib(proc.pid))
                done.wait(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        done.set()
        sampler.join()
    print(
        json.dumps(
            {
                "exit_code": os.waitstatus_to_exitcode(status),
                "wall_s": round(wall, 3),
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
                "peak_rss_mib": round(peak / 1024, 1),
                "max_single_rss_mib": round(usage.ru_maxrss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
