package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/miniredis/miniredis/shard"
)

// AppendEntry appends the file record of one key: its deadline (when
// expireAt is not 0), the type, the key and the object. Records of one
// database go after a SelectDB; Writer.Raw writes prepared ones.
func (e *Encoder) AppendEntry(dst, key []byte, v shard.Value) []byte {
	if exp := v.ExpireAt(); exp > 0 {
		dst = binary.LittleEndian.AppendUint64(append(dst, opExpireTimeMS), uint64(exp))
	}
	e.key, e.hasKey = key, true
	dst = e.AppendObject(dst, v)
	e.key, e.hasKey = nil, false
	return dst
}

// flushSize is how much a Writer buffers before writing to its io.Writer
// (and feeding the checksum, which wants big slices).
const flushSize = 64 << 10

// Writer writes an RDB file: a header with aux fields, the records of each
// database, then EOF and the checksum. The first error from the underlying
// writer is kept and returned by Close. A Writer is not safe for concurrent
// use.
type Writer struct {
	Encoder
	w   io.Writer
	crc uint64
	buf []byte
	db  int // selected database, -1 before the first SelectDB
	err error
}

// NewWriter returns a Writer on w and writes the magic "REDIS0010" and the
// aux fields, given as key, value pairs.
func NewWriter(w io.Writer, aux ...string) *Writer {
	wr := &Writer{w: w, buf: make([]byte, 0, 2*flushSize), db: -1}
	wr.buf = append(wr.buf, fmt.Sprintf("REDIS%04d", Version)...)
	for i := 0; i+1 < len(aux); i += 2 {
		wr.buf = append(wr.buf, opAux)
		wr.buf = wr.AppendString(wr.buf, []byte(aux[i]))
		wr.buf = wr.AppendString(wr.buf, []byte(aux[i+1]))
	}
	return wr
}

func (w *Writer) maybeFlush() {
	if len(w.buf) >= flushSize {
		w.flush()
	}
}

func (w *Writer) flush() {
	if len(w.buf) == 0 {
		return
	}
	w.crc = CRC64(w.crc, w.buf)
	if w.err == nil {
		_, w.err = w.w.Write(w.buf)
	}
	w.buf = w.buf[:0]
}

// SelectDB starts the records of database db, with the sizes Redis hints
// for its hash tables, unless db is already the current one.
func (w *Writer) SelectDB(db int, keys, expires uint64) {
	if db == w.db {
		return
	}
	w.db = db
	w.buf = AppendLen(append(w.buf, opSelectDB), uint64(db))
	w.buf = AppendLen(append(w.buf, opResizeDB), keys)
	w.buf = AppendLen(w.buf, expires)
}

// Entry writes the record of key in the current database.
func (w *Writer) Entry(key []byte, v shard.Value) {
	w.buf = w.AppendEntry(w.buf, key, v)
	w.maybeFlush()
}

// Raw writes records prepared with AppendEntry for database db.
func (w *Writer) Raw(db int, records []byte) {
	if len(records) == 0 {
		return
	}
	w.SelectDB(db, 0, 0)
	w.buf = append(w.buf, records...)
	w.maybeFlush()
}

// RawRecords writes records that belong to no database (function
// libraries, as FUNCTION DUMP's payload holds them without its footer).
func (w *Writer) RawRecords(recs []byte) {
	w.buf = append(w.buf, recs...)
	w.maybeFlush()
}

// Function writes a library's code (RDB_OPCODE_FUNCTION2), as Redis 7.0
// saves functions.
func (w *Writer) Function(code []byte) {
	w.buf = w.AppendString(append(w.buf, opFunction2), code)
	w.maybeFlush()
}

// Close writes EOF and the checksum, flushes, and returns the first error.
// It does not close the underlying writer.
func (w *Writer) Close() error {
	w.buf = append(w.buf, opEOF)
	w.flush()
	var sum [8]byte
	binary.LittleEndian.PutUint64(sum[:], w.crc)
	if w.err == nil {
		_, w.err = w.w.Write(sum[:])
	}
	return w.err
}

// Callbacks receive what Load finds. Nil ones ignore their part.
type Callbacks struct {
	// Aux gets each aux field (redis-ver, ctime, ...).
	Aux func(key, val []byte)
	// Entry gets each key with its database and deadline (unix ms, 0 for
	// none); key and obj.Str are valid only during the call. An error
	// stops the load.
	Entry func(db int, key []byte, obj Object, expireAt int64) error
	// Function gets each function library's code; nil refuses files with
	// functions.
	Function func(code []byte) error
}

// LoadInfo summarizes a load.
type LoadInfo struct {
	Version   int
	Keys      int // records passed to Entry
	EmptyKeys int // empty collections skipped, as Redis skips them
}

// Load parses a whole RDB file image and passes its parts to cb. It checks
// the header, every record and, when the file has one (version 5 and later,
// non-zero), the checksum, which is compared after the last record: callers
// that must not serve partial state load into a fresh keyspace. Errors wrap
// ErrCorrupt or ErrChecksum, or are an *UnsupportedError, or come from cb.
func Load(data []byte, cb Callbacks) (LoadInfo, error) {
	var info LoadInfo
	if len(data) < 9 || string(data[:5]) != "REDIS" {
		return info, corrupt("wrong signature trying to load DB from file")
	}
	ver, err := strconv.Atoi(string(data[5:9]))
	if err != nil || ver < 1 || ver > Version {
		return info, corrupt(fmt.Sprintf("can't handle RDB format version %q", data[5:9]))
	}
	info.Version = ver
	d := decoder{b: data, p: 9}
	db := 0
	var expireAt int64
	for {
		t, err := d.byte()
		if err != nil {
			return info, err
		}
		switch t {
		case opExpireTimeMS:
			b, err := d.bytes(8)
			if err != nil {
				return info, err
			}
			expireAt = int64(binary.LittleEndian.Uint64(b))
			continue
		case opExpireTime:
			b, err := d.bytes(4)
			if err != nil {
				return info, err
			}
			expireAt = int64(int32(binary.LittleEndian.Uint32(b))) * 1000
			continue
		case opIdle:
			if _, err := d.plainLen(); err != nil {
				return info, err
			}
			continue
		case opFreq:
			if _, err := d.byte(); err != nil {
				return info, err
			}
			continue
		case opSelectDB:
			n, err := d.plainLen()
			if err != nil {
				return info, err
			}
			if n > 1<<16 {
				return info, corrupt("database number out of range")
			}
			db = int(n)
			continue
		case opResizeDB:
			if _, err := d.plainLen(); err != nil {
				return info, err
			}
			if _, err := d.plainLen(); err != nil {
				return info, err
			}
			continue
		case opAux:
			k, err := d.ownStr()
			if err != nil {
				return info, err
			}
			v, err := d.str()
			if err != nil {
				return info, err
			}
			if cb.Aux != nil {
				cb.Aux(k, v)
			}
			continue
		case opModuleAux:
			return info, errors.New("rdb: the file holds module data, which miniredis does not support")
		case opFunction:
			return info, errors.New("rdb: the file holds functions in the format of Redis 7.0 release candidates, which is not supported")
		case opFunction2:
			code, err := d.str()
			if err != nil {
				return info, err
			}
			if cb.Function == nil {
				return info, errors.New("rdb: the file holds functions, which this loader does not take")
			}
			if err := cb.Function(code); err != nil {
				return info, err
			}
			continue
		case opEOF:
			if ver >= 5 {
				sum, err := d.bytes(8)
				if err != nil {
					return info, err
				}
				want := binary.LittleEndian.Uint64(sum)
				if want != 0 && want != CRC64(0, data[:d.p-8]) {
					return info, fmt.Errorf("%w: wrong RDB checksum", ErrChecksum)
				}
			}
			return info, nil
		}
		key, err := d.ownStr()
		if err != nil {
			return info, err
		}
		obj, err := d.object(t, key)
		exp := expireAt
		expireAt = 0
		if errors.Is(err, ErrEmptyKey) {
			info.EmptyKeys++
			continue
		}
		if err != nil {
			var u *UnsupportedError
			if errors.As(err, &u) {
				return info, err
			}
			return info, fmt.Errorf("key %q: %w", key, err)
		}
		if cb.Entry != nil {
			if err := cb.Entry(db, key, obj, exp); err != nil {
				return info, err
			}
		}
		info.Keys++
	}
}
