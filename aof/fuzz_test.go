package aof

import (
	"bytes"
	"testing"
)

// FuzzReplay: any bytes either replay or fail with an error, never a
// panic; the reported valid prefix replays cleanly to the same commands.
func FuzzReplay(f *testing.F) {
	f.Add(sample())
	f.Add([]byte("*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET"))
	f.Add([]byte("#TS:1\r\n*1\r\n$5\r\nMULTI\r\n"))
	f.Add([]byte("*3\r\n$3\r\nSET\r\n$999999999\r\nx\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var first [][][]byte
		valid, _ := Replay(bytes.NewReader(data), func(a [][]byte) error { first = append(first, a); return nil })
		if valid < 0 || valid > int64(len(data)) {
			t.Fatalf("valid offset %d outside [0, %d]", valid, len(data))
		}
		var again [][][]byte
		v2, err := Replay(bytes.NewReader(data[:valid]), func(a [][]byte) error { again = append(again, a); return nil })
		if err != nil || v2 != valid {
			t.Fatalf("the valid prefix does not replay cleanly: %v (offset %d, want %d)", err, v2, valid)
		}
		if len(again) != len(first) {
			t.Fatalf("the valid prefix replays %d commands, the whole input %d", len(again), len(first))
		}
	})
}

// FuzzManifest: any text parses or fails with ErrManifest; what parses
// renders to text that parses to the same manifest.
func FuzzManifest(f *testing.F) {
	f.Add([]byte("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"))
	f.Add([]byte("# c\nfile \"a b\" seq 2 type h\nfile x seq 3 type i\n"))
	f.Add([]byte("file 'q' seq 9 type i extra v\r\n"))
	// A rewrite's manifest before its history is deleted.
	f.Add([]byte("file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.2.base.rdb seq 2 type h\nfile appendonly.aof.2.incr.aof seq 2 type h\nfile appendonly.aof.3.incr.aof seq 3 type i\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		back, err := ParseManifest(m.Bytes())
		if err != nil {
			t.Fatalf("rendered manifest does not parse: %v\n%q", err, m.Bytes())
		}
		if !bytes.Equal(back.Bytes(), m.Bytes()) {
			t.Fatalf("round trip changed the manifest:\n%q\n%q", m.Bytes(), back.Bytes())
		}
	})
}
