#!/usr/bin/env bash
# scale-compare.sh measures redis-server and miniredis (--compat redis) at
# growing key counts, for issue 11's table. For each count N and each server,
# one at a time (never both loaded at once, so memory stays bounded): start
# the server on a free loopback port, load N keys "key:%012d" with 32-byte
# values through redis-cli --pipe (every key, unlike redis-benchmark -r),
# then overwrite random keys with redis-benchmark -t set -r N while sampling
# the server's RSS every 100 ms, and stop it. The key format is the one
# redis-benchmark gives __rand_int__, so the overwrites hit loaded keys.
#
# Reported per server and count: load time, RSS growth per key after the
# load, peak RSS per key during the overwrites, overwrite throughput,
# p50/p99/max latency (redis-benchmark --csv) and server CPU (user+system
# from /proc/PID/stat) per overwrite, and for miniredis the garbage
# collector's share of that CPU (INFO memory gc_cpu_seconds before and
# after; -1 for Redis, which has none), then the throughput of as many
# GETs of random keys. Results go to OUT/scale.csv, and
# benchmarks/cmd/scalechart turns them into OUT/scale.md and OUT/scale.svg.
#
# Environment: KEYS ("1000000 10000000"), MAX_KEYS (10000000: a larger
# count is refused unless MAX_KEYS is raised, e.g. MAX_KEYS=30000000 for
# 30M, about 2.3 GB of load file and several GB of RSS), OVERWRITES
# (requests per overwrite run; default the key count, at most 10000000),
# CLIENTS (50), PIPELINE (16), SETTLE (seconds after the load before RSS is
# read, 3), LOAD_TIMEOUT (seconds, 900), RUN_TIMEOUT (seconds per
# redis-benchmark run, 600), SERVERS ("redis miniredis"), MINIREDIS
# (bin/miniredis), MINIREDIS_ARGS (extra flags), OUT (benchmarks/results).
set -euo pipefail
cd "$(dirname "$0")/.."

KEYS=${KEYS:-"1000000 10000000"}
MAX_KEYS=${MAX_KEYS:-10000000}
OVERWRITES=${OVERWRITES:-}
CLIENTS=${CLIENTS:-50}
PIPELINE=${PIPELINE:-16}
SETTLE=${SETTLE:-3}
LOAD_TIMEOUT=${LOAD_TIMEOUT:-900}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
SERVERS=${SERVERS:-"redis miniredis"}
MINIREDIS=${MINIREDIS:-bin/miniredis}
MINIREDIS_ARGS=${MINIREDIS_ARGS:-}
OUT=${OUT:-benchmarks/results}

die() { echo "scale-compare.sh: $*" >&2; exit 1; }
for tool in redis-server redis-cli redis-benchmark python3 timeout go; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
[ -x "$MINIREDIS" ] || die "$MINIREDIS not built (make build)"
for n in $KEYS; do
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ] || die "bad key count $n"
	[ "$n" -le "$MAX_KEYS" ] || die "$n keys is over MAX_KEYS=$MAX_KEYS (raise it to allow)"
done
[ "$(uname)" = Linux ] || die "needs Linux (/proc)"

source benchmarks/lib.sh # the cd above made the repository the working directory

tick=$(getconf CLK_TCK)
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { # utime + stime; the command name (field 2) may hold spaces
	sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
now() { date +%s.%N; }
# gc_secs prints miniredis's GC CPU seconds so far, -1 for a server without them.
gc_secs() { # port
	redis-cli -h 127.0.0.1 -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "gc_cpu_seconds" {v = $2} END {print (v == "" ? -1 : v)}'
}

# sample_rss polls a PID's RSS every 100 ms until the file stop appears or
# the process ends, at most limit seconds, and writes the highest RSS seen.
sample_rss() { # pid stopfile outfile limit
	local peak=0 r i
	for ((i = 0; i < $4 * 10; i++)); do
		[ -e "$2" ] && break
		r=$(rss_kb "$1" 2>/dev/null) || break
		[ "$r" -gt "$peak" ] && peak=$r
		sleep 0.1
	done
	echo "$peak" >"$3"
}

# gen_load writes N SETs of key:%012d to 32-byte values, RESP-encoded.
gen_load() { # n file
	python3 - "$1" >"$2" <<'PY'
import sys
n = int(sys.argv[1])
v = b"x" * 32
out = sys.stdout.buffer
step = 100000
for lo in range(0, n, step):
    out.write(b"".join(b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$32\r\n%s\r\n" % (i, v)
                       for i in range(lo, min(lo + step, n))))
PY
}

start_server() { # name port; sets spid
	if [ "$1" = redis ]; then
		redis-server --bind 127.0.0.1 --port "$2" --save '' --appendonly no --daemonize no \
			--dir "$work" --logfile "$work/redis.log" &
	else
		# shellcheck disable=SC2086
		"$MINIREDIS" --host 127.0.0.1 --port "$2" --compat redis --save "" --loglevel warn $MINIREDIS_ARGS \
			2>>"$work/miniredis.log" &
	fi
	spid=$!
	pids+=("$spid")
	wait_ready "$2"
}

stop_server() { # pid
	kill "$1" 2>/dev/null || true
	for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

mkdir -p "$OUT"
csv="$OUT/scale.csv"
echo "keys,server,load_s,rss_loaded_mb,rss_per_key_b,peak_rss_per_key_b,overwrites,rps,p50_ms,p99_ms,max_ms,cpu_us_per_req,gc_cpu_pct,get_rps" >"$work/scale.csv"

for n in $KEYS; do
	m=${OVERWRITES:-$((n < 10000000 ? n : 10000000))}
	echo "== $n keys: generating the load"
	gen_load "$n" "$work/load.resp"
	for name in $SERVERS; do
		port=$(free_port)
		start_server "$name" "$port"
		empty=$(rss_kb "$spid")

		t0=$(now)
		timeout "$LOAD_TIMEOUT" redis-cli -h 127.0.0.1 -p "$port" --pipe <"$work/load.resp" >"$work/pipe.out" ||
			die "$name: load failed: $(tail -2 "$work/pipe.out")"
		t1=$(now)
		got=$(redis-cli -h 127.0.0.1 -p "$port" dbsize)
		[ "$got" = "$n" ] || die "$name: $got keys after loading $n"
		sleep "$SETTLE"
		loaded=$(rss_kb "$spid")

		rm -f "$work/stop"
		sample_rss "$spid" "$work/stop" "$work/peak" "$((RUN_TIMEOUT + 10))" &
		sampler=$!
		pids+=("$sampler")
		c0=$(cpu_ticks "$spid")
		g0=$(gc_secs "$port")
		timeout "$RUN_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -P "$PIPELINE" \
			-t set -d 32 -r "$n" -n "$m" --csv >"$work/bench.csv" || die "$name: redis-benchmark failed"
		c1=$(cpu_ticks "$spid")
		g1=$(gc_secs "$port")
		touch "$work/stop"
		wait "$sampler" || true
		peak=$(cat "$work/peak")
		# "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
		IFS=, read -r rps p50 p99 maxl < <(awk -F'"' '$2 == "SET" {print $4 "," $10 "," $14 "," $16}' "$work/bench.csv")
		[ -n "$rps" ] || die "$name: no SET row in redis-benchmark output: $(cat "$work/bench.csv")"
		# Then as many reads of random keys, for the GET throughput.
		timeout "$RUN_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -P "$PIPELINE" \
			-t get -r "$n" -n "$m" --csv >"$work/bench.csv" || die "$name: redis-benchmark failed"
		get_rps=$(awk -F'"' '$2 == "GET" {print $4}' "$work/bench.csv")
		[ -n "$get_rps" ] || die "$name: no GET row in redis-benchmark output: $(cat "$work/bench.csv")"

		stop_server "$spid"
		row=$(awk -v n="$n" -v s="$name" -v t0="$t0" -v t1="$t1" -v e="$empty" -v l="$loaded" -v pk="$peak" \
			-v m="$m" -v rps="$rps" -v p50="$p50" -v p99="$p99" -v mx="$maxl" -v c="$((c1 - c0))" -v hz="$tick" -v g0="$g0" -v g1="$g1" -v grps="$get_rps" \
			'BEGIN {gc = (g0 < 0 || c == 0) ? -1 : (g1 - g0) / (c / hz) * 100
				printf "%d,%s,%.2f,%.1f,%.1f,%.1f,%d,%.0f,%.3f,%.3f,%.3f,%.2f,%.2f,%.0f", n, s, t1 - t0, l / 1024,
				(l - e) * 1024 / n, (pk - e) * 1024 / n, m, rps, p50, p99, mx, c / hz * 1e6 / m, gc, grps}')
		echo "$row" | tee -a "$work/scale.csv"
	done
	rm -f "$work/load.resp"
done

cp "$work/scale.csv" "$csv"
note="$(date -u +%Y-%m-%d), $(nproc) CPUs, redis-server $(redis-server --version | awk '{print $3}' | tr -d v=), miniredis --compat redis${MINIREDIS_ARGS:+ $MINIREDIS_ARGS}; overwrites with redis-benchmark -c $CLIENTS -P $PIPELINE -d 32"
go run ./benchmarks/cmd/scalechart -in "$csv" -out "$OUT/scale" -note "$note"
echo "wrote $OUT/scale.csv, scale.md and scale.svg"
