#!/usr/bin/env bash
# cluster-compare.sh measures a 3-node miniredis cluster against a 3-node
# redis-server cluster with `redis-benchmark --cluster`, for the README's
# cluster row. Both clusters run at once (miniredis --compat redis, free
# loopback ports whose bus port, +10000, is free too), each made by
# `redis-cli --cluster create`; the runs alternate between them for ROUNDS
# rounds so that the load of a shared machine falls on both alike. Each run
# is `redis-benchmark --cluster -c CLIENTS -P PIPELINE -n N -t set,get`
# against the first node of the cluster, with random keys (-r 100000).
# Printed: the median SET/s and GET/s of each cluster and the median of
# the per-round ratios miniredis/redis; written to OUT/cluster.md.
#
# Environment: ROUNDS (5), N (1000000 requests per run), CLIENTS (50),
# PIPELINE (16), RUN_TIMEOUT (120 s per run), MINIREDIS (bin/miniredis),
# OUT (benchmarks/results).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
N=${N:-1000000}
CLIENTS=${CLIENTS:-50}
PIPELINE=${PIPELINE:-16}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
MINIREDIS=${MINIREDIS:-bin/miniredis}
OUT=${OUT:-benchmarks/results}

die() { echo "cluster-compare.sh: $*" >&2; exit 1; }
for tool in redis-server redis-cli redis-benchmark python3 timeout; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
[ -x "$MINIREDIS" ] || die "$MINIREDIS not built (make build)"
[ "$N" -le 10000000 ] || die "N=$N is over 10000000 requests per run"

source benchmarks/lib.sh # the cd above made the repository the working directory

# cluster_port prints a port p with p and p+10000 free a moment ago.
cluster_port() {
	python3 - <<'PY'
import socket
for _ in range(200):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    if p + 10000 > 65535:
        s.close(); continue
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 10000))
    except OSError:
        s.close(); continue
    b.close(); s.close(); print(p); break
PY
}

# start_cluster KIND starts three nodes of KIND (redis or miniredis), makes
# them a cluster and sets first to the first node's port.
start_cluster() {
	local kind=$1 ports=() addrs=() dir="$work/$1"
	mkdir -p "$dir"
	for _ in 1 2 3; do
		local p
		p=$(cluster_port)
		if [ "$kind" = redis ]; then
			redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
				--logfile "$dir/redis-$p.log" --cluster-enabled yes \
				--cluster-config-file "$dir/nodes-$p.conf" >/dev/null 2>&1 &
		else
			"$MINIREDIS" --port "$p" --compat redis --save '' --loglevel warn --dir "$dir" \
				--cluster-enabled yes --cluster-config-file "$dir/nodes-$p.conf" >/dev/null 2>&1 &
		fi
		pids+=($!)
		ports+=("$p")
		addrs+=("127.0.0.1:$p")
	done
	for p in "${ports[@]}"; do
		for _ in $(seq 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
	done
	redis-cli --cluster create "${addrs[@]}" --cluster-yes >"$dir/create.log" 2>&1 ||
		die "$kind: cluster create failed: $(cat "$dir/create.log")"
	for p in "${ports[@]}"; do
		for _ in $(seq 200); do
			redis-cli -p "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break
			sleep 0.1
		done
	done
	first=${ports[0]}
}

start_cluster redis
rport=$first
start_cluster miniredis
mport=$first

raw="$work/raw.csv"
for round in $(seq "$ROUNDS"); do
	for side in miniredis redis; do
		port=$mport
		[ "$side" = redis ] && port=$rport
		timeout "$RUN_TIMEOUT" redis-benchmark --cluster -h 127.0.0.1 -p "$port" -c "$CLIENTS" -P "$PIPELINE" \
			-n "$N" -r 100000 -t set,get --csv 2>/dev/null |
			awk -F'"' -v r="$round" -v s="$side" '$2 != "" && $2 != "test" {print r "," s "," $2 "," $4}' >>"$raw"
	done
done

mkdir -p "$OUT"
python3 - "$raw" "$OUT/cluster.md" "$N" "$CLIENTS" "$PIPELINE" <<'PY'
import collections, csv, statistics, sys
raw, out, n, clients, pipeline = sys.argv[1:]
rps = collections.defaultdict(dict)   # (test, round) -> side -> rps
for r, side, test, v in csv.reader(open(raw)):
    rps[(test, r)][side] = float(v)
lines = [
    f"3-node clusters, `redis-benchmark --cluster -c {clients} -P {pipeline} -n {n} -r 100000 -t set,get`,"
    " runs alternating, medians over rounds:",
    "",
    "| test | 3 × miniredis | 3 × redis-server | miniredis/redis (per round) |",
    "|---|---|---|---|",
]
for test in ("SET", "GET"):
    rounds = [v for (t, _), v in sorted(rps.items()) if t == test and len(v) == 2]
    if not rounds:
        continue
    m = statistics.median(v["miniredis"] for v in rounds)
    r = statistics.median(v["redis"] for v in rounds)
    ratios = [v["miniredis"] / v["redis"] for v in rounds]
    lines.append(f"| {test} | {m:,.0f}/s | {r:,.0f}/s | {statistics.median(ratios):.2f} ({' '.join(f'{x:.2f}' for x in ratios)}) |")
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text, end="")
PY
