package persist

import (
	"errors"
	"fmt"
	"os"

	"github.com/miniredis/miniredis/rdb"
	"github.com/miniredis/miniredis/shard"
)

// LoadResult counts what a load did.
type LoadResult struct {
	Loaded    int // keys stored
	Expired   int // keys left out because their deadline had passed
	EmptyKeys int // empty collections left out, as Redis leaves them out
}

// Set stores o under e's key with deadline exp.
func Set(e *shard.Entry, o rdb.Object, exp int64) {
	switch o.Kind {
	case shard.KindString:
		e.SetString(o.Str, exp)
	case shard.KindList:
		e.SetList(o.List, exp)
	case shard.KindHash:
		e.SetHash(o.Hash, exp)
	case shard.KindSet:
		e.SetSet(o.Set, exp)
	case shard.KindZSet:
		e.SetZSet(o.ZSet, exp)
	case shard.KindStream:
		e.SetStream(o.Stream, exp)
	}
}

// LoadFile loads the RDB file at path into st, which should be empty and
// not yet shared: on an error it holds part of the file. Keys whose deadline
// is at or before now are left out, as a Redis master leaves them out.
// Function libraries go to functions (nil refuses a file that has any). A
// missing file is not an error and loads nothing (ok false).
func LoadFile(path string, st *shard.Store, now int64, functions func(code []byte) error) (res LoadResult, ok bool, err error) {
	data, release, err := mapFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return res, false, nil
	}
	if err != nil {
		return res, false, fmt.Errorf("persist: %w", err)
	}
	defer release()
	res, err = Load(data, path, st, now, functions)
	return res, true, err
}

// Load is LoadFile for an RDB image already in memory (an append-only
// file's RDB preamble); name names it in errors.
func Load(data []byte, name string, st *shard.Store, now int64, functions func(code []byte) error) (res LoadResult, err error) {
	info, err := rdb.Load(data, rdb.Callbacks{
		Entry: func(db int, key []byte, o rdb.Object, exp int64) error {
			if db >= st.DBs() {
				return fmt.Errorf("persist: %s has keys in database %d; the server has %d (--databases)", name, db, st.DBs())
			}
			if exp != 0 && exp <= now {
				res.Expired++
				return nil
			}
			st.DB(db).Update(key, now, func(e *shard.Entry) { Set(e, o, exp) })
			res.Loaded++
			return nil
		},
		Function: functions,
	})
	res.EmptyKeys = info.EmptyKeys
	if err != nil {
		return res, fmt.Errorf("persist: loading %s: %w", name, err)
	}
	return res, nil
}
