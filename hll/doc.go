// Package hll implements Redis's HyperLogLog as Redis 7.0 stores it in a
// string value, byte for byte, so that a sketch written by redis-server can
// be read here and the other way round, with the same estimates.
//
// The layout (Redis's hyperloglog.c): a 16-byte header — "HYLL", an
// encoding byte (0 dense, 1 sparse), three zero bytes and an 8-byte
// little-endian cached cardinality whose top bit marks it stale — followed
// by 16384 registers of 6 bits. The dense encoding stores them packed
// (12288 bytes); the sparse one run-length encodes them with the ZERO,
// XZERO and VAL opcodes and is promoted to dense when a register exceeds 32
// or the value would grow past the sparse limit (hll-sparse-max-bytes).
// Elements are hashed with MurmurHash64A and seed 0xadc83b19; the estimate
// is Ertl's improved estimator, as in Redis.
//
// The functions work on byte slices the caller owns; none keeps a reference
// to its arguments. They are safe for concurrent use on distinct slices.
// Corrupt input never panics: it yields ErrInvalid.
package hll
