#!/usr/bin/env bash
# compare.sh runs redis-benchmark against redis-server and miniredis
# (--compat redis) side by side on free loopback ports, interleaved (redis,
# miniredis, redis, ...; the first of each pair alternates by round), for
# ROUNDS rounds, and writes medians and miniredis/redis ratios to
# benchmarks/results/latest.{md,csv,svg}. A test that errors (an unknown
# command, a timeout) is recorded as an error row, not a failure.
#
# Environment: ROUNDS (3), TESTS (set,get,incr,lpush,lpop,hset,mset,eval,xadd,xrange,
# zadd,zrangebyscore,pfadd,pfcount; also sadd1, sadd2 and sinter),
# CLIENTS (50), PIPELINES ("1 16"), SIZES ("32 1024"), N1 (requests at
# pipeline 1, 200000), N16 (requests at pipeline 16, 1500000), KEYSPACE
# (1000000), RUN_TIMEOUT (seconds per redis-benchmark run, 60), MINIREDIS
# (binary, bin/miniredis), MINIREDIS_ARGS (extra flags), OUT (results dir).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
TESTS=${TESTS:-set,get,incr,lpush,lpop,hset,mset,eval,xadd,xrange,zadd,zrangebyscore,pfadd,pfcount}
CLIENTS=${CLIENTS:-50}
PIPELINES=${PIPELINES:-"1 16"}
SIZES=${SIZES:-"32 1024"}
N1=${N1:-200000}
N16=${N16:-1500000}
KEYSPACE=${KEYSPACE:-1000000}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
MINIREDIS=${MINIREDIS:-bin/miniredis}
MINIREDIS_ARGS=${MINIREDIS_ARGS:-}
OUT=${OUT:-benchmarks/results}

for tool in redis-server redis-benchmark redis-cli; do
	command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found (apt-get install redis-server redis-tools)" >&2; exit 1; }
done
[ -x "$MINIREDIS" ] || { echo "compare.sh: $MINIREDIS not built (make build)" >&2; exit 1; }

source benchmarks/lib.sh # the cd above made the repository the working directory



rport=$(free_port)
redis-server --bind 127.0.0.1 --port "$rport" --save '' --appendonly no --daemonize no \
	--dir "$work" --logfile "$work/redis.log" &
pids+=($!)
rpid=$!
mport=$(free_port)
# shellcheck disable=SC2086
"$MINIREDIS" --host 127.0.0.1 --port "$mport" --compat redis --save "" --loglevel warn $MINIREDIS_ARGS 2>"$work/miniredis.log" &
pids+=($!)
mpid=$!
wait_ready "$rport"
wait_ready "$mport"
echo "redis-server pid $rpid port $rport; miniredis pid $mpid port $mport ($MINIREDIS_ARGS)"

raw="$work/raw.csv"
echo "round,server,test,pipeline,size,rps" >"$raw"

run_one() { # server port test pipeline size round
	local server=$1 port=$2 test=$3 p=$4 d=$5 round=$6 n out rps
	n=$N1
	[ "$p" -gt 1 ] && n=$N16
	# MSET sets 10 keys per request: a tenth of the requests keeps its runs
	# as long as the others (and inside RUN_TIMEOUT).
	[ "$test" = mset ] && n=$((n / 10))
	# eval is a script of three commands on one key (EVAL's cost on top of
	# the commands); redis-benchmark runs it as a custom command.
	local what=(-t "$test")
	[ "$test" = eval ] && what=(EVAL "redis.call('set',KEYS[1],ARGV[1]); redis.call('get',KEYS[1]); return redis.call('strlen',KEYS[1])" 1 "key:__rand_int__" value)
	# pfadd/pfcount (TESTS=pfadd,pfcount): one HyperLogLog fed random
	# elements, dense after the first few thousand; PFCOUNT of it mostly
	# recounts, since every PFADD that changes a register drops the cache.
	[ "$test" = pfadd ] && what=(PFADD hll "el:__rand_int__")
	[ "$test" = pfcount ] && what=(PFCOUNT hll)
	# xadd appends to one stream capped near 100k entries, as a queue
	# would; xrange reads ten entries from its start (run it after xadd).
	[ "$test" = xadd ] && what=(XADD bench:stream MAXLEN '~' 100000 '*' field "$(head -c "$d" /dev/zero | tr '\0' x)")
	[ "$test" = xrange ] && what=(XRANGE bench:stream - + COUNT 10)
	# zadd fills one leaderboard with random members (scores random too);
	# zrangebyscore reads ten of them from a score range (run it after
	# zadd). sadd1 and sadd2 fill two sets of random members, sinter
	# intersects them (TESTS=...,sadd1,sadd2,sinter; its cost grows with
	# the smaller set, so it is not in the default list).
	[ "$test" = zadd ] && what=(ZADD bench:board __rand_int__ "m:__rand_int__")
	[ "$test" = zrangebyscore ] && what=(ZRANGEBYSCORE bench:board 1000 500000 LIMIT 0 10)
	[ "$test" = sadd1 ] && what=(SADD bench:s1 "m:__rand_int__")
	[ "$test" = sadd2 ] && what=(SADD bench:s2 "m:__rand_int__")
	[ "$test" = sinter ] && what=(SINTER bench:s1 bench:s2)
	if out=$(timeout "$RUN_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$n" \
		-P "$p" -d "$d" -r "$KEYSPACE" --csv "${what[@]}" 2>"$work/err"); then
		rps=$(printf '%s\n' "$out" | awk -F'"' 'NR>1 && $4 != "" {print $4; exit}')
	fi
	if [ -z "${rps:-}" ]; then
		rps=error
		echo "  $server $test P$p ${d}B: error: $(tr '\n' ' ' <"$work/err" | cut -c1-120)" >&2
	fi
	echo "$round,$server,$test,$p,$d,$rps" >>"$raw"
	printf '  r%s %-9s %-5s P%-2s %5sB %s\n' "$round" "$server" "$test" "$p" "$d" "$rps"
}

start=$(date +%s)
IFS=, read -ra tests <<<"$TESTS"
for round in $(seq "$ROUNDS"); do
	echo "round $round"
	for p in $PIPELINES; do
		for d in $SIZES; do
			for t in "${tests[@]}"; do
				if [ $((round % 2)) -eq 1 ]; then
					run_one redis "$rport" "$t" "$p" "$d" "$round"
					run_one miniredis "$mport" "$t" "$p" "$d" "$round"
				else
					run_one miniredis "$mport" "$t" "$p" "$d" "$round"
					run_one redis "$rport" "$t" "$p" "$d" "$round"
				fi
			done
		done
	done
done
echo "took $(($(date +%s) - start))s"

mkdir -p "$OUT"
cp "$raw" "$OUT/raw.csv"
go run ./benchmarks/cmd/chart -raw "$raw" -out "$OUT/latest" \
	-note "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(redis-server --version | cut -d' ' -f3), ROUNDS=$ROUNDS, -c $CLIENTS, -r $KEYSPACE, -n $N1 (P1) / $N16 (P>1), miniredis --compat redis $MINIREDIS_ARGS"
cat "$OUT/latest.md"
