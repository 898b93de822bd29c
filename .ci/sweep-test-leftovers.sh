#!/usr/bin/env bash
# What a test run that died or failed midway left behind, removed before and after the tests:
# each bun test process works in ${TMPDIR:-/tmp}/opsctl-test-run-<its pid> (tests/helpers/temp-root.ts),
# and only roots whose process is gone are touched, so a run beside this one is left alone.
# - Mounts (tmpfs, loop, bind) under such a root: the next run's preload cannot remove a root with
#   a mount point in it (EBUSY) and then no test file runs at all.
# - Processes started from such a root or naming it (a `--follow` a failed test never stopped):
#   they otherwise run until the machine reboots.
set -uo pipefail
prefix="${TMPDIR:-/tmp}/opsctl-test-run-"

owner_gone() { # <path under a root>: true when that root's test process no longer runs
  local pid=${1#"$prefix"}
  pid=${pid%%/*}
  [[ "$pid" =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null
}

# /proc/self/mounts escapes space, tab, newline and backslash as \ooo; printf %b reads them back.
# Deepest first, so a mount inside another goes before it.
while IFS= read -r point; do
  point=$(printf '%b' "$point")
  owner_gone "$point" || continue
  umount -l "$point" && echo "sweep: unmounted $point" >&2
done < <(awk -v prefix="$prefix" 'index($2, prefix) == 1 { print $2 }' /proc/self/mounts | sort -r)

for dir in /proc/[0-9]*; do
  pid=${dir#/proc/}
  [ "$pid" = "$$" ] && continue
  mapfile -d '' -t args 2>/dev/null <"$dir/cmdline" || continue
  exe=$(readlink "$dir/exe" 2>/dev/null) || exe=""
  for word in "${exe% (deleted)}" "${args[@]}"; do
    [[ "$word" == "$prefix"* ]] || continue
    owner_gone "$word" || break
    echo "sweep: stopping $pid, left by a test run: ${args[*]:0:8}" >&2
    kill "$pid" 2>/dev/null
    break
  done
done
exit 0
