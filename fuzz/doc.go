// Package fuzz holds the go test -fuzz targets that show the parser and the
// store are robust: the RESP and inline reader (no panic, a round trip
// through the encoder, the same result however the input is split), the
// Mini-Redis typing and rendering round trip, and random operation sequences
// on the store checked against a plain map with a fake clock. Seed corpora
// live in testdata/fuzz, so plain go test replays them; `make fuzz` runs
// every target for FUZZTIME.
package fuzz
