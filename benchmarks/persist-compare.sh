#!/usr/bin/env bash
# persist-compare.sh compares RDB persistence in redis-server and miniredis
# (--compat redis), one server after the other, on the same data: KEYS keys
# "key:%012d" (the keys redis-benchmark -r writes) with VALUE-byte values.
#
#   save_s   SAVE of the whole keyspace (foreground), seconds
#   load_s   start-up with that dump.rdb until the server answers PING
#   bgsave:  BGSAVE while redis-benchmark overwrites random keys of the same
#            set (SET -r KEYS, pipeline 16) until the save ends: physical
#            memory (Pss summed over the server and, for Redis, its fork
#            child, from /proc/PID/smaps_rollup, so shared pages count once)
#            at its peak under the write load alone before the save, and at
#            its peak while the save runs (sampled every 20 ms), the ratio,
#            the save's duration, and the SETs/s the writers got (overall,
#            warm-up included).
#
# Each server gets a free loopback port and a directory of its own; only
# the PIDs started here are stopped. Results go to stdout and
# benchmarks/results/persist.md.
#
# Environment: KEYS (1000000), VALUE (100), MINIREDIS (bin/miniredis).
set -euo pipefail
cd "$(dirname "$0")/.."

KEYS=${KEYS:-1000000}
VALUE=${VALUE:-100}
MINIREDIS=${MINIREDIS:-bin/miniredis}

for tool in redis-server redis-cli redis-benchmark python3; do
	command -v "$tool" >/dev/null || { echo "persist-compare.sh: $tool not found" >&2; exit 1; }
done
[ -x "$MINIREDIS" ] || { echo "persist-compare.sh: $MINIREDIS not built (make build)" >&2; exit 1; }

source benchmarks/lib.sh # the cd above made the repository the working directory

# pss_kb PID: physical memory of PID and its children (Redis's fork child).
pss_kb() {
	local total=0 p kb
	for p in $1 $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		kb=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
		total=$((total + ${kb:-0}))
	done
	echo "$total"
}
now() { date +%s.%N; }
info_field() { redis-cli -h 127.0.0.1 -p "$1" info persistence | tr -d '\r' | awk -F: -v k="$2" '$1 == k {print $2}'; }

python3 - "$KEYS" "$VALUE" >"$work/load.resp" <<'PY'
import sys
n, size = int(sys.argv[1]), int(sys.argv[2])
v = b"v" * size
out = sys.stdout.buffer
for i in range(n):
    k = b"key:%012d" % i  # redis-benchmark -r spells its keys so: the writes overwrite
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, size, v))
PY

start() { # name dir port -> pid
	case $1 in
	redis) redis-server --port "$3" --bind 127.0.0.1 --save "" --appendonly no --dir "$2" --logfile "$2/log" >/dev/null 2>&1 &;;
	miniredis) "$MINIREDIS" --compat redis --port "$3" --save "" --dir "$2" >/dev/null 2>"$2/log" &;;
	esac
	echo $!
}

results=()
run() { # name
	local name=$1 dir port pid t0 t1 save_s load_s before peak p bgs bg_s sets
	dir="$work/$name"; mkdir -p "$dir"
	port=$(free_port)
	pid=$(start "$name" "$dir" "$port"); pids+=("$pid")
	wait_ready "$port" 60
	redis-cli -h 127.0.0.1 -p "$port" --pipe <"$work/load.resp" >/dev/null
	t0=$(now); redis-cli -h 127.0.0.1 -p "$port" save >/dev/null; t1=$(now)
	save_s=$(echo "$t1 - $t0" | bc -l)
	kill "$pid"; wait "$pid" 2>/dev/null || true

	t0=$(now)
	pid=$(start "$name" "$dir" "$port"); pids+=("$pid")
	wait_ready "$port" 60; t1=$(now)
	load_s=$(echo "$t1 - $t0" | bc -l)
	[ "$(redis-cli -h 127.0.0.1 -p "$port" dbsize)" = "$KEYS" ] || { echo "persist-compare.sh: $name loaded a wrong key count" >&2; exit 1; }
	redis-benchmark -h 127.0.0.1 -p "$port" -t set -r "$KEYS" -d "$VALUE" -P 16 -c 8 -n 100000000 -q >"$work/$name.bench" 2>&1 &
	bench=$!; pids+=("$bench")
	# "before" is the most memory the write load alone takes (Go's heap
	# grows with the garbage of overwritten values), sampled for 5 s after
	# 3 s of warm-up, so the peak that follows is what the save adds.
	sleep 3
	before=0
	for _ in $(seq 250); do
		p=$(pss_kb "$pid"); [ "$p" -gt "$before" ] && before=$p
		sleep 0.02
	done
	t0=$(now)
	redis-cli -h 127.0.0.1 -p "$port" bgsave >/dev/null
	peak=$before
	while :; do
		p=$(pss_kb "$pid"); [ "$p" -gt "$peak" ] && peak=$p
		bgs=$(info_field "$port" rdb_bgsave_in_progress)
		[ "$bgs" = 0 ] && break
		sleep 0.02
	done
	t1=$(now)
	kill "$bench" 2>/dev/null || true; wait "$bench" 2>/dev/null || true
	bg_s=$(echo "$t1 - $t0" | bc -l)
	sets=$(tr '\r' '\n' <"$work/$name.bench" | grep -o 'rps=[0-9.]* (overall: [0-9.]*)' | tail -1 | sed 's/.*overall: //; s/)//')
	kill "$pid"; wait "$pid" 2>/dev/null || true
	results+=("$(printf '| %s | %.2f | %.2f | %d | %d | %.2f | %.2f | %s |' "$name" "$save_s" "$load_s" "$((before/1024))" "$((peak/1024))" "$(echo "$peak / $before" | bc -l)" "$bg_s" "${sets:-?}")")
}

run redis
run miniredis

{
	echo "persist-compare.sh: $KEYS keys, $VALUE-byte values, $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo
	echo "| server | SAVE s | load s | MB before BGSAVE | peak MB during | peak/before | BGSAVE s | SET/s during |"
	echo "|---|---|---|---|---|---|---|---|"
	printf '%s\n' "${results[@]}"
} | tee benchmarks/results/persist.md
