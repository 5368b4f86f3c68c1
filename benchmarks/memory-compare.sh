#!/usr/bin/env bash
# memory-compare.sh loads KEYS keys "key:%07d" with 32-byte values and no TTL
# into redis-server and into miniredis (--compat redis) with redis-cli --pipe,
# and reports each server's RSS growth per key and the ratio. Each server
# runs on a free loopback port; only the PIDs started here are stopped.
#
# Environment: KEYS (1000000), SETTLE (seconds to wait after loading, 3),
# MINIREDIS (bin/miniredis), MINIREDIS_ARGS (extra flags, e.g. "--gogc 50").
set -euo pipefail
cd "$(dirname "$0")/.."

KEYS=${KEYS:-1000000}
SETTLE=${SETTLE:-3}
MINIREDIS=${MINIREDIS:-bin/miniredis}
MINIREDIS_ARGS=${MINIREDIS_ARGS:-}

for tool in redis-server redis-cli python3; do
	command -v "$tool" >/dev/null || { echo "memory-compare.sh: $tool not found" >&2; exit 1; }
done
[ -x "$MINIREDIS" ] || { echo "memory-compare.sh: $MINIREDIS not built (make build)" >&2; exit 1; }

source benchmarks/lib.sh # the cd above made the repository the working directory

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# The load: SET key:%07d <32 bytes>, RESP-encoded.
python3 - "$KEYS" >"$work/load.resp" <<'PY'
import sys
n = int(sys.argv[1])
v = b"x" * 32
out = sys.stdout.buffer
for i in range(n):
    k = b"key:%07d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$32\r\n%s\r\n" % (len(k), k, v))
PY

measure() { # name pid port
	local before after keys
	before=$(rss_kb "$2")
	redis-cli -h 127.0.0.1 -p "$3" --pipe <"$work/load.resp" >/dev/null
	sleep "$SETTLE"
	after=$(rss_kb "$2")
	keys=$(redis-cli -h 127.0.0.1 -p "$3" dbsize)
	echo "$1 $before $after $keys" | awk '{printf "%-10s rss before %7d KiB, after %7d KiB, keys %d, %.1f B/key\n", $1, $2, $3, $4, ($3-$2)*1024/$4}'
	echo "$(( (after - before) * 1024 / keys ))" >"$work/$1"
}

rport=$(free_port)
redis-server --bind 127.0.0.1 --port "$rport" --save '' --appendonly no --daemonize no \
	--dir "$work" --logfile "$work/redis.log" &
pids+=($!)
wait_ready "$rport"
measure redis "$!" "$rport"

mport=$(free_port)
# shellcheck disable=SC2086
"$MINIREDIS" --host 127.0.0.1 --port "$mport" --compat redis --save "" --loglevel warn $MINIREDIS_ARGS &
pids+=($!)
wait_ready "$mport"
measure miniredis "$!" "$mport"

awk -v r="$(cat "$work/redis")" -v m="$(cat "$work/miniredis")" \
	'BEGIN {printf "miniredis/redis RSS per key: %.2f (%d / %d B/key; %s)\n", m/r, m, r, ENVIRON["MINIREDIS_ARGS"]}'
