#!/usr/bin/env bash
# expiry-compare.sh: how fast do redis-server and miniredis reclaim
# 1,000,000 keys with a 1 s TTL that nobody touches, and what CPU does it cost?
#
# For each server in turn (each started here on a free loopback port and
# stopped here): load N keys through redis-cli --pipe, then poll INFO
# keyspace every 100 ms until the keys are gone. Prints the time from the
# last key's deadline to the first poll that shows no key, and the server's
# CPU (utime+stime from /proc/PID/stat) from that deadline to that poll.
#
#   MODE=px    `SET key:%07d v PX 1000`. Loading 1M keys takes seconds, so
#              most keys expire while the load is still running; the last
#              deadline is the end of the load + 1 s.
#   MODE=pxat  (default) `SET key:%07d v PXAT T`, T = start + MARGIN s (40):
#              all N keys are held when T passes and expire together, the
#              hard case for active expiry.
#
# Usage: [MODE=px|pxat] [HZ=10] benchmarks/expiry-compare.sh [N]
# (default N 1000000; bounded: each wait gives up after 60 s). Needs
# redis-server, redis-cli, python3 and Go.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1000000}
HZ=${HZ:-10}
MODE=${MODE:-pxat}
MARGIN=${MARGIN:-40}
for bin in redis-server redis-cli go python3; do
	command -v "$bin" >/dev/null || { echo "expiry-compare: $bin not found" >&2; exit 1; }
done
go build -o bin/miniredis ./cmd/miniredis

source benchmarks/lib.sh # the cd above made the repository the working directory

now_ms() { date +%s%3N; }
cpu_ms() { # utime+stime of PID in ms
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' "/proc/$1/stat"
}
keys_held() { # keys= of db0 in INFO keyspace, 0 when there is no db0 line
	redis-cli -p "$1" INFO keyspace | tr -d '\r' | awk -F'[=,:]' '/^db0:/ { print $3; found=1 } END { if (!found) print 0 }'
}

# gen OPT ARG writes the load in RESP: SET key:%07d v OPT ARG.
gen() {
	awk -v n="$N" -v opt="$1" -v arg="$2" 'BEGIN { for (i = 0; i < n; i++) { k = sprintf("key:%07d", i)
		printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(opt), opt, length(arg), arg } }'
}
[ "$MODE" = px ] && gen PX 1000 >"$work/load.resp"

run() { # name port pid
	local name=$1 port=$2 pid=$3
	local t0 t1 deadline cpu0 held done_ms cpu1
	t0=$(now_ms)
	if [ "$MODE" = pxat ]; then
		deadline=$((t0 + MARGIN * 1000))
		gen PXAT "$deadline" >"$work/load.resp"
	fi
	redis-cli -p "$port" --pipe <"$work/load.resp" >"$work/$name.pipe" 2>&1
	t1=$(now_ms)
	if [ "$MODE" = px ]; then
		deadline=$((t1 + 1000))
	elif [ "$t1" -ge "$deadline" ]; then
		echo "$name: the load outlasted MARGIN=$MARGIN s; raise it" >&2
	fi
	while [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.01; done
	cpu0=$(cpu_ms "$pid")
	local limit=$((deadline + 60000)) peak=0
	while :; do
		held=$(keys_held "$port")
		[ "$held" -gt "$peak" ] && peak=$held
		done_ms=$(now_ms)
		if [ "$held" -eq 0 ] && [ "$done_ms" -ge "$deadline" ]; then break; fi
		if [ "$done_ms" -gt "$limit" ]; then echo "$name: still $held keys 60 s after the deadline" >&2; break; fi
		sleep 0.1
	done
	cpu1=$(cpu_ms "$pid")
	printf '%-10s load %5d ms (%s)  all gone %5d ms after the last deadline  cpu %5d ms  (keys held at the deadline: %d)\n' \
		"$name" $((t1 - t0)) "$(tail -1 "$work/$name.pipe" | tr -d '\r')" $((done_ms - deadline)) $((cpu1 - cpu0)) "$peak"
}

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --hz "$HZ" --loglevel warning >"$work/redis.log" 2>&1 &
rpid=$!
pids+=("$rpid")
mport=$(free_port)
./bin/miniredis --compat redis --save "" --port "$mport" --hz "$HZ" --loglevel warn >"$work/miniredis.log" 2>&1 &
mpid=$!
pids+=("$mpid")
wait_ready "$rport"
wait_ready "$mport"

echo "expiry-compare: $N keys, mode $MODE, hz $HZ, $(redis-server --version | awk '{print $3}')"
run redis "$rport" "$rpid"
run miniredis "$mport" "$mpid"
run redis "$rport" "$rpid"
run miniredis "$mport" "$mpid"
