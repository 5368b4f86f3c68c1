#!/usr/bin/env bash
# Regenerates redis.txt from a running redis-server (7.0):
#   gen.sh PORT > redis.txt
# Each line: a case name, the PFCOUNT of the key, the hex of GET before the
# PFCOUNT and the hex of GET after it (the cached cardinality written).
# Case "name:N" adds the elements e0..e(N-1) in that order, in PFADD calls
# of 500 elements; "merge:A:B" merges "name:A" with elements f0..f(B-1).
set -euo pipefail
port=$1
cli() { redis-cli -p "$port" "$@"; }
hexget() { cli --raw GET "$1" | head -c -1 | xxd -p | tr -d '\n'; }
add() { # key prefix n
	local key=$1 prefix=$2 n=$3 i=0
	cli DEL "$key" >/dev/null
	cli PFADD "$key" >/dev/null
	while ((i < n)); do
		local args=()
		for ((j = i; j < n && j < i + 500; j++)); do args+=("$prefix$j"); done
		echo "PFADD $key ${args[*]}"
		i=$j
	done | cli >/dev/null
}
emit() { # name key
	local before count after
	before=$(hexget "$2")
	count=$(cli PFCOUNT "$2")
	after=$(hexget "$2")
	echo "$1 $count $before $after"
}
cli CONFIG SET hll-sparse-max-bytes 3000 >/dev/null
for n in 0 1 3 10 100 300 600 1000 5000 100000; do
	add hk e "$n"
	emit "add:$n" hk
done
for ab in "100:50" "1000:3000" "10:100000"; do
	a=${ab%:*} b=${ab#*:}
	add ha e "$a"
	add hb f "$b"
	cli DEL hm >/dev/null
	cli PFMERGE hm ha hb >/dev/null
	echo "union:$a:$b $(cli PFCOUNT ha hb) - -"
	emit "merge:$a:$b" hm
done
cli DEL hk ha hb hm >/dev/null
