# lib.sh: what the comparison scripts share. Source it after `set -euo
# pipefail`; it makes $work (a temporary directory) and $pids (every
# process the script starts goes in it), and on exit stops only those
# processes, by PID, and removes $work.
# shellcheck shell=bash

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port asks the kernel for an unused loopback port.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_ready PORT [SECONDS] waits until a server answers PING on PORT (10 s
# by default), or ends the script. It polls every 10 ms, so a load time
# taken around it is that precise.
wait_ready() {
	local tries=$((${2:-10} * 100))
	for _ in $(seq "$tries"); do
		redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG && return 0
		sleep 0.01
	done
	echo "$(basename "$0"): server on port $1 did not start" >&2
	exit 1
}
