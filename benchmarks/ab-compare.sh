#!/usr/bin/env bash
# ab-compare.sh runs redis-benchmark against two miniredis binaries side by
# side (--compat redis, free loopback ports), interleaved for ROUNDS rounds,
# and prints the median throughput ratio NEW/BASE per test and pipeline: the
# before/after check for a change on the hot path.
#
# Usage: BASE=/tmp/miniredis-old NEW=bin/miniredis benchmarks/ab-compare.sh
# Environment: ROUNDS (5), TESTS ("set get"), PIPELINES ("1 16"), N1
# (200000), N16 (1000000), CLIENTS (50), RUN_TIMEOUT (60 s per run).
set -euo pipefail
BASE=${BASE:?set BASE to the binary to compare against}
NEW=${NEW:-bin/miniredis}
ROUNDS=${ROUNDS:-5}
TESTS=${TESTS:-"set get"}
PIPELINES=${PIPELINES:-"1 16"}
N1=${N1:-200000}
N16=${N16:-1000000}
CLIENTS=${CLIENTS:-50}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
# NEW_ARGS: more flags for NEW; by default no save points, since --compat
# redis saves as Redis does and a binary from before persistence cannot.
NEW_ARGS=${NEW_ARGS:---save=}
# BASE_ARGS: more flags for BASE (e.g. --save= when it knows persistence).
BASE_ARGS=${BASE_ARGS:-}

source "$(dirname "$0")/lib.sh"
pa=$(free_port)
# shellcheck disable=SC2086
"$BASE" --host 127.0.0.1 --port "$pa" --compat redis --loglevel warn $BASE_ARGS 2>/dev/null &
pids+=($!)
pb=$(free_port)
"$NEW" --host 127.0.0.1 --port "$pb" --compat redis --loglevel warn $NEW_ARGS 2>/dev/null &
pids+=($!)
for port in "$pa" "$pb"; do wait_ready "$port"; done

raw=$(mktemp)
for round in $(seq "$ROUNDS"); do
	for p in $PIPELINES; do
		n=$N1
		[ "$p" -gt 1 ] && n=$N16
		for t in $TESTS; do
			for side in base new; do
				port=$pa
				[ "$side" = new ] && port=$pb
				rps=$(timeout "$RUN_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$n" -P "$p" \
					-d 32 -r 1000000 -t "$t" --csv 2>/dev/null | awk -F'"' 'NR>1 {print $4; exit}')
				echo "$round,$side,$t,$p,${rps:-}" >>"$raw"
			done
		done
	done
done
python3 - "$raw" <<'PY'
import collections, csv, statistics, sys
runs = collections.defaultdict(dict)
for r, side, t, p, rps in csv.reader(open(sys.argv[1])):
    if rps:
        runs[(t, int(p), r)][side] = float(rps)
ratios = collections.defaultdict(list)
for (t, p, _), v in runs.items():
    if "base" in v and "new" in v:
        ratios[(t, p)].append(v["new"] / v["base"])
print("test pipeline  median new/base  (per round)")
for (t, p), rs in sorted(ratios.items()):
    print(f"{t:<5} P{p:<3}  {statistics.median(rs):.3f}  ({' '.join(f'{x:.2f}' for x in rs)})")
PY
rm -f "$raw"
