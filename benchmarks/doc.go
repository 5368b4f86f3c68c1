// Package benchmarks holds the Go benchmarks that show how fast miniredis is
// and where its time goes: the codec (reading pipelined requests, writing
// replies), the striped store against a single-mutex map and sync.Map, memory
// per key, and the whole server end to end on loopback. It has no code of its
// own; run it with `make bench` (go test -bench). compare.sh runs
// redis-benchmark against miniredis and redis-server side by side;
// scale-compare.sh loads each in turn with millions of keys and measures
// memory per key and overwrite latency (make scale-compare).
package benchmarks
