// Package rdb reads and writes Redis 7.0's RDB format (version 10): whole
// snapshot files (SAVE, BGSAVE, loading at start-up) and the single-value
// payloads of DUMP and RESTORE.
//
// Writing follows what redis-server 7.0 produces with its default encoding
// thresholds (quicklist 2 of listpacks for lists; listpack or hashtable for
// hashes and sorted sets; intset or hashtable for sets; int-encoded and
// LZF-compressed strings), so that redis-server loads our files and
// redis-check-rdb accepts them. Reading accepts every encoding Redis 7.0
// loads for strings, lists, hashes, sets, sorted sets and streams, including
// the ziplist, zipmap and plain linked-list forms of older versions and the
// streams of Redis 5 and 6 (type 15). Streams are written as Redis 7.0
// writes them (type 19), node for node, so DUMP payloads match Redis's
// bytes. Module values and Redis 7.2's streams (type 21) are refused with
// an error that names the key.
//
// The package imports nothing of the server; it uses the value types of
// package shard, and leaves locking to its callers. A Writer and a Loader
// are not safe for concurrent use; the package functions are.
package rdb
