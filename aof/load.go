package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// Handler applies what Load reads.
type Handler interface {
	// LoadRDB loads a base file written as an RDB preamble.
	LoadRDB(r io.Reader) error
	// Command applies one command. The commands of a MULTI/EXEC block are
	// passed (MULTI and EXEC included) only once the block is complete.
	Command(args [][]byte) error
}

// LoadOptions tune Load.
type LoadOptions struct {
	// Truncate is aof-load-truncated: a last file that ends in the middle
	// of a command (a crash during a write) is cut back to its last
	// complete command, instead of failing the load.
	Truncate bool
	// Logf, when set, is told about truncations.
	Logf func(format string, args ...any)
}

// LoadStats says what Load did.
type LoadStats struct {
	Files     int   // files read
	Commands  int64 // commands applied
	Truncated int64 // bytes cut from the end of the last file
}

// ErrFormat is wrapped by the errors of a file that is not a command log.
var ErrFormat = errors.New("bad file format reading the append only file")

// errTorn is a file that ends in the middle of a command or transaction.
var errTorn = errors.New("unexpected end of file")

// maxBulk bounds one argument of a logged command (Redis's
// proto-max-bulk-len can be raised up to this).
const maxBulk = 1 << 30

// maxArgs bounds the arguments of one logged command.
const maxArgs = 1 << 30

// Load reads the manifest in dir and applies its files in order: the base
// (RDB or commands), then every incremental file. Missing files fail the
// load, naming the file.
func Load(dir, prefix string, h Handler, opt LoadOptions) (LoadStats, error) {
	var st LoadStats
	m, err := ReadManifest(dir, prefix)
	if err != nil {
		return st, err
	}
	files := m.Incr
	if m.Base != nil {
		files = append([]FileInfo{*m.Base}, files...)
	}
	for i, fi := range files {
		last := i == len(files)-1
		if err := loadFile(filepath.Join(dir, fi.Name), fi.Type == TypeBase, last && opt.Truncate, h, opt, &st); err != nil {
			return st, fmt.Errorf("aof: %s: %w", fi.Name, err)
		}
		st.Files++
	}
	return st, nil
}

func loadFile(path string, base, truncate bool, h Handler, opt LoadOptions, st *LoadStats) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	if base {
		if head, _ := br.Peek(5); string(head) == "REDIS" {
			return h.LoadRDB(br)
		}
	}
	valid, err := Replay(br, func(args [][]byte) error {
		st.Commands++
		return h.Command(args)
	})
	if !errors.Is(err, errTorn) || !truncate {
		return err
	}
	fi, serr := f.Stat()
	if serr != nil {
		return serr
	}
	if opt.Logf != nil {
		opt.Logf("AOF %s ends in the middle of a command: truncating it from %d to %d bytes (aof-load-truncated)", path, fi.Size(), valid)
	}
	st.Truncated += fi.Size() - valid
	return os.Truncate(path, valid)
}

// Replay parses the commands in r and passes each to fn, holding back the
// commands of a MULTI/EXEC block until its EXEC. It returns the offset just
// past the last command it applied (outside a block), and an error wrapping
// errTorn when r ends in the middle of a command or a block: the bytes from
// that offset on are the torn tail.
func Replay(r io.Reader, fn func(args [][]byte) error) (int64, error) {
	p := &parser{br: bufio.NewReader(r)}
	var valid int64
	var block [][][]byte // the open MULTI block, MULTI first
	for {
		args, err := p.command()
		if err == io.EOF {
			if block != nil {
				return valid, fmt.Errorf("%w: MULTI without EXEC", errTorn)
			}
			return valid, nil
		}
		if err != nil {
			return valid, err
		}
		switch {
		case block == nil && isCmd(args, "MULTI"):
			block = [][][]byte{args}
			continue
		case block != nil && isCmd(args, "EXEC"):
			for _, a := range append(block, args) {
				if err := fn(a); err != nil {
					return valid, err
				}
			}
			block = nil
		case block != nil:
			block = append(block, args)
			continue
		default:
			if err := fn(args); err != nil {
				return valid, err
			}
		}
		valid = p.off
	}
}

func isCmd(args [][]byte, name string) bool {
	return len(args) > 0 && bytes.EqualFold(args[0], []byte(name))
}

// parser reads RESP arrays of bulk strings, counting bytes, and skips the
// annotation lines ('#') Redis may write between commands.
type parser struct {
	br  *bufio.Reader
	off int64 // bytes consumed
}

// command reads one command: io.EOF at a clean end, errTorn at an end in
// the middle, ErrFormat for anything else.
func (p *parser) command() ([][]byte, error) {
	for {
		c, err := p.br.ReadByte()
		if err != nil {
			return nil, io.EOF
		}
		p.off++
		switch c {
		case '#':
			if _, err := p.line(); err != nil {
				return nil, err
			}
			continue
		case '*':
		default:
			return nil, fmt.Errorf("%w: expected '*' at offset %d, got %q", ErrFormat, p.off-1, c)
		}
		n, err := p.number()
		if err != nil {
			return nil, err
		}
		if n < 1 || n > maxArgs {
			return nil, fmt.Errorf("%w: bad argument count %d", ErrFormat, n)
		}
		args := make([][]byte, 0, min(n, 1024))
		for range n {
			c, err := p.br.ReadByte()
			if err != nil {
				return nil, errTorn
			}
			p.off++
			if c != '$' {
				return nil, fmt.Errorf("%w: expected '$' at offset %d, got %q", ErrFormat, p.off-1, c)
			}
			l, err := p.number()
			if err != nil {
				return nil, err
			}
			if l < 0 || l > maxBulk {
				return nil, fmt.Errorf("%w: bad bulk length %d", ErrFormat, l)
			}
			a, err := p.bulk(int(l))
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
		return args, nil
	}
}

// line reads up to and including "\n" and returns the line without "\r\n".
func (p *parser) line() ([]byte, error) {
	b, err := p.br.ReadSlice('\n')
	p.off += int64(len(b))
	if err == bufio.ErrBufferFull {
		return nil, fmt.Errorf("%w: line too long at offset %d", ErrFormat, p.off)
	}
	if err != nil {
		return nil, errTorn
	}
	return bytes.TrimSuffix(b[:len(b)-1], []byte{'\r'}), nil
}

func (p *parser) number() (int64, error) {
	b, err := p.line()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: bad number %q", ErrFormat, b)
	}
	return n, nil
}

// bulk reads l bytes and the "\r\n" after them. The buffer grows with what
// is actually read, so a corrupt length cannot make it allocate more than
// the file holds.
func (p *parser) bulk(l int) ([]byte, error) {
	const chunk = 1 << 20
	b := make([]byte, 0, min(l, chunk))
	for len(b) < l {
		k := min(l-len(b), chunk)
		b = append(b, make([]byte, k)...)
		n, err := io.ReadFull(p.br, b[len(b)-k:])
		p.off += int64(n)
		if err != nil {
			return nil, errTorn
		}
	}
	var crlf [2]byte
	n, err := io.ReadFull(p.br, crlf[:])
	p.off += int64(n)
	if err != nil {
		return nil, errTorn
	}
	if crlf != [2]byte{'\r', '\n'} {
		return nil, fmt.Errorf("%w: bulk not followed by CRLF at offset %d", ErrFormat, p.off)
	}
	return b, nil
}
