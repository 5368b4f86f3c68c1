// Package aof reads and writes Redis 7's multi-part append-only files: a
// directory (appenddirname) holding one base file (an RDB preamble or
// commands), incremental files of commands in RESP, and a manifest that
// names them in order, so that redis-server 7 can start from a directory we
// wrote and we from one it wrote.
//
// It is a leaf package: the server gives it the commands to log and a
// Handler that applies loaded ones; what a command means is not its
// business.
package aof

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/miniredis/miniredis/internal/atomicfile"
)

// The file types of a manifest line, as Redis writes them.
const (
	TypeBase    = 'b' // the base: an RDB preamble or commands
	TypeHistory = 'h' // replaced by a rewrite, waiting to be deleted
	TypeIncr    = 'i' // commands appended after the base
)

// FileInfo is one manifest line.
type FileInfo struct {
	Name string
	Seq  int64
	Type byte
}

// Manifest is the list of files that make up the log, in load order: the
// base, then the incremental files by sequence.
type Manifest struct {
	Base    *FileInfo
	Incr    []FileInfo
	History []FileInfo
}

// maxManifestLine is Redis's bound on one manifest line.
const maxManifestLine = 1024

// ErrManifest is wrapped by every manifest parse error.
var ErrManifest = errors.New("invalid AOF manifest file format")

// ParseManifest parses a manifest with Redis's rules: one file per line as
// "file <name> seq <n> type <b|h|i>" (keys in any order, the name quoted
// when it has spaces), comment lines starting with '#', at most one base,
// and incremental files in increasing sequence.
func ParseManifest(b []byte) (*Manifest, error) {
	m := &Manifest{}
	for n, line := range bytes.Split(b, []byte{'\n'}) {
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 || line[0] == '#' {
			continue
		}
		if len(line) > maxManifestLine {
			return nil, fmt.Errorf("%w: line %d is too long", ErrManifest, n+1)
		}
		words, err := splitArgs(string(line))
		if err != nil || len(words)%2 != 0 {
			return nil, fmt.Errorf("%w: line %d", ErrManifest, n+1)
		}
		var fi FileInfo
		seqSet := false
		for i := 0; i < len(words); i += 2 {
			switch v := words[i+1]; words[i] {
			case "file":
				fi.Name = v
			case "seq":
				seq, err := strconv.ParseInt(v, 10, 64)
				if err != nil || seq < 0 {
					return nil, fmt.Errorf("%w: line %d: bad seq %q", ErrManifest, n+1, v)
				}
				fi.Seq, seqSet = seq, true
			case "type":
				if len(v) != 1 {
					return nil, fmt.Errorf("%w: line %d: bad type %q", ErrManifest, n+1, v)
				}
				fi.Type = v[0]
			}
			// Unknown keys are skipped, as Redis does, for later versions.
		}
		if fi.Name == "" || !seqSet || strings.ContainsAny(fi.Name, "/\\") {
			return nil, fmt.Errorf("%w: line %d", ErrManifest, n+1)
		}
		switch fi.Type {
		case TypeBase:
			if m.Base != nil {
				return nil, fmt.Errorf("%w: line %d: found duplicate base file information", ErrManifest, n+1)
			}
			f := fi
			m.Base = &f
		case TypeIncr:
			if k := len(m.Incr); k > 0 && fi.Seq <= m.Incr[k-1].Seq {
				return nil, fmt.Errorf("%w: line %d: found a non-monotonic sequence number", ErrManifest, n+1)
			}
			m.Incr = append(m.Incr, fi)
		case TypeHistory:
			m.History = append(m.History, fi)
		default:
			return nil, fmt.Errorf("%w: line %d: unknown type %q", ErrManifest, n+1, fi.Type)
		}
	}
	if m.Base == nil && len(m.Incr) == 0 {
		return nil, fmt.Errorf("%w: it names no base and no incremental file", ErrManifest)
	}
	return m, nil
}

// Bytes renders the manifest as Redis writes it: the base first, then the
// history, then the incremental files.
func (m *Manifest) Bytes() []byte {
	var b bytes.Buffer
	line := func(f FileInfo) {
		fmt.Fprintf(&b, "file %s seq %d type %c\n", quoteName(f.Name), f.Seq, f.Type)
	}
	if m.Base != nil {
		line(*m.Base)
	}
	for _, f := range m.History {
		line(f)
	}
	for _, f := range m.Incr {
		line(f)
	}
	return b.Bytes()
}

// quoteName quotes a file name the way splitArgs reads it back, when it
// needs quoting.
func quoteName(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\r\n\"'\\") {
		return s
	}
	return strconv.Quote(s)
}

// splitArgs splits a line into words the way Redis's sdssplitargs does for
// the cases a manifest uses: spaces between words, double quotes with
// backslash escapes, single quotes.
func splitArgs(line string) ([]string, error) {
	var words []string
	i := 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i == len(line) {
			return words, nil
		}
		switch line[i] {
		case '"':
			j := i + 1
			for j < len(line) && line[j] != '"' {
				if line[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(line) {
				return nil, errors.New("unbalanced quotes")
			}
			w, err := strconv.Unquote(line[i : j+1])
			if err != nil {
				return nil, err
			}
			words = append(words, w)
			i = j + 1
		case '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unbalanced quotes")
			}
			words = append(words, line[i+1:i+1+j])
			i += j + 2
		default:
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '\t' {
				j++
			}
			words = append(words, line[i:j])
			i = j
		}
		if i < len(line) && line[i] != ' ' && line[i] != '\t' {
			return nil, errors.New("closing quote must be followed by a space")
		}
	}
}

// ManifestName is the manifest's file name for the appendfilename prefix.
func ManifestName(prefix string) string { return prefix + ".manifest" }

// BaseName is the name of base number seq: an RDB preamble or commands.
func BaseName(prefix string, seq int64, rdb bool) string {
	if rdb {
		return prefix + "." + strconv.FormatInt(seq, 10) + ".base.rdb"
	}
	return prefix + "." + strconv.FormatInt(seq, 10) + ".base.aof"
}

// IncrName is the name of incremental file number seq.
func IncrName(prefix string, seq int64) string {
	return prefix + "." + strconv.FormatInt(seq, 10) + ".incr.aof"
}

// ReadManifest reads and parses dir's manifest for prefix; the error wraps
// os.ErrNotExist when there is none.
func ReadManifest(dir, prefix string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName(prefix)))
	if err != nil {
		return nil, err
	}
	return ParseManifest(b)
}

// WriteManifest replaces dir's manifest as Redis does, so that a crash
// leaves the old one or the new one: a temp file, fsync, rename, and an
// fsync of the directory.
func WriteManifest(dir, prefix string, m *Manifest) error {
	return WriteFileAtomic(dir, ManifestName(prefix), m.Bytes())
}

// WriteFileAtomic writes name in dir through a temp file, fsync, rename
// and a directory fsync (see atomicfile).
func WriteFileAtomic(dir, name string, data []byte) error {
	return atomicfile.WriteBytes(filepath.Join(dir, name), 0o644, data)
}

// SyncDir fsyncs a directory, making a rename or a new file in it durable.
func SyncDir(dir string) error { return atomicfile.SyncDir(dir) }

// Clone returns a deep copy of m.
func (m *Manifest) Clone() *Manifest {
	c := &Manifest{Incr: append([]FileInfo(nil), m.Incr...), History: append([]FileInfo(nil), m.History...)}
	if m.Base != nil {
		b := *m.Base
		c.Base = &b
	}
	return c
}

// Live returns the files the log is made of: the base, if any, then the
// incremental files.
func (m *Manifest) Live() []FileInfo {
	var out []FileInfo
	if m.Base != nil {
		out = append(out, *m.Base)
	}
	return append(out, m.Incr...)
}

// NextIncrSeq is the sequence number of the next incremental file: one
// past the last, as Redis numbers them.
func (m *Manifest) NextIncrSeq() int64 {
	if len(m.Incr) == 0 {
		return 1
	}
	return m.Incr[len(m.Incr)-1].Seq + 1
}

// NextBaseSeq is the sequence number of the next base file.
func (m *Manifest) NextBaseSeq() int64 {
	if m.Base == nil {
		return 1
	}
	return m.Base.Seq + 1
}
