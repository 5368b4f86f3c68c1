#!/usr/bin/env bash
# syscall-compare.sh measures what one pipeline-1 request costs the server,
# for redis-server and miniredis side by side (interleaved, ROUNDS rounds):
# system calls per request (all, and read/write/epoll_wait/futex apart, from
# perf's syscall tracepoints), context switches per request, and server CPU
# per request from /proc/PID/stat. Medians go to
# benchmarks/results/syscalls.md with the miniredis/Redis ratios.
#
# Usage: benchmarks/syscall-compare.sh   (after make build)
# Environment: BIN (bin/miniredis), ROUNDS (3), N (200000), CLIENTS (50),
# TESTS ("get set"), RUN_TIMEOUT (60 s per run).
# Needs perf (Debian: linux-perf), redis-server and redis-benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/miniredis}
ROUNDS=${ROUNDS:-3}
N=${N:-200000}
CLIENTS=${CLIENTS:-50}
TESTS=${TESTS:-"get set"}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
OUT=benchmarks/results/syscalls.md

for tool in perf redis-server redis-benchmark; do
	command -v "$tool" >/dev/null || { echo "syscall-compare: $tool not found; skipping" >&2; exit 0; }
done

source benchmarks/lib.sh # the cd above made the repository the working directory

pr=$(free_port)
redis-server --port "$pr" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
pids+=($!)
rpid=$!
pm=$(free_port)
"$BIN" --host 127.0.0.1 --port "$pm" --compat redis --save "" --loglevel warn 2>/dev/null &
pids+=($!)
mpid=$!
for port in "$pr" "$pm"; do wait_ready "$port"; done

# cpu_ticks PID prints utime+stime in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

raw=$(mktemp)
events='raw_syscalls:sys_enter,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_futex,context-switches'
for round in $(seq "$ROUNDS"); do
	for t in $TESTS; do
		for target in redis miniredis; do
			pid=$rpid port=$pr
			[ "$target" = miniredis ] && pid=$mpid port=$pm
			pf=$(mktemp)
			perf stat -x, -e "$events" -p "$pid" -o "$pf" &
			ppid=$!
			sleep 0.3
			c0=$(cpu_ticks "$pid")
			timeout "$RUN_TIMEOUT" redis-benchmark -p "$port" -q -n "$N" -c "$CLIENTS" -t "$t" -P 1 -r 1000000 -d 32 >/dev/null 2>&1 || true
			c1=$(cpu_ticks "$pid")
			kill -INT "$ppid"
			wait "$ppid" 2>/dev/null || true
			awk -F, -v t="$t" -v tgt="$target" -v n="$N" -v cpu=$((c1 - c0)) -v hz="$hz" '
				$3 ~ /raw_syscalls/ {all=$1}
				$3 ~ /enter_read$/ {rd=$1}
				$3 ~ /enter_write$/ {wr=$1}
				$3 ~ /epoll_wait|epoll_pwait/ {ep+=$1}
				$3 ~ /futex/ {fx=$1}
				$3 ~ /context-switches/ {cs=$1}
				END {printf "%s,%s,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.2f\n", t, tgt, all/n, rd/n, wr/n, ep/n, fx/n, cs/n, cpu/hz*1e6/n}' "$pf" >>"$raw"
			rm -f "$pf"
			echo "round $round $t $target: $(tail -1 "$raw")" >&2
		done
	done
done

python3 - "$raw" "$OUT" "$ROUNDS" "$N" "$CLIENTS" <<'EOF'
import csv, statistics, sys
raw, out, rounds, n, clients = sys.argv[1:]
cols = ["syscalls", "read", "write", "epoll_wait", "futex", "ctx switches", "CPU µs"]
rows = {}
for r in csv.reader(open(raw)):
    rows.setdefault((r[0], r[1]), []).append([float(x) for x in r[2:]])
lines = [f"# Pipeline-1 cost per request: redis-server vs miniredis\n",
         f"`benchmarks/syscall-compare.sh`: redis-benchmark -c {clients} -n {n} -P 1 -d 32, "
         f"medians of {rounds} interleaved rounds; per request, from perf tracepoints and /proc/PID/stat.\n",
         "| test | server | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols)]
for t in dict.fromkeys(k[0] for k in rows):
    med = {}
    for tgt in ("redis", "miniredis"):
        vals = rows.get((t, tgt))
        if not vals:
            continue
        med[tgt] = [statistics.median(v[i] for v in vals) for i in range(len(cols))]
        lines.append(f"| {t} | {tgt} | " + " | ".join(f"{x:.2f}" for x in med[tgt]) + " |")
    if len(med) == 2:
        ratio = [m / r if r else float("nan") for m, r in zip(med["miniredis"], med["redis"])]
        lines.append(f"| {t} | ratio | " + " | ".join(f"{x:.2f}×" for x in ratio) + " |")
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
rm -f "$raw"
