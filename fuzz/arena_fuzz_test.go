package fuzz

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/miniredis/miniredis/shard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzArena drives the arena-backed string store of one shard (so every key
// shares one arena and its compaction) through sets of values up to 8 KiB,
// in-place patches, bursts of overwrites that leave dead records, deletes,
// deadlines, collections, moves between databases and expiry passes (which
// also compact), against a map model. After every step a random key, and
// at the end every key, must read back exactly; Scan must report each
// live key once.
func FuzzArena(f *testing.F) {
	f.Add([]byte{0, 1, 200, 0, 7, 0, 1, 2, 60, 0, 5, 1, 7, 3, 9, 3})
	f.Add([]byte{6, 2, 250, 6, 3, 250, 7, 6, 1, 240, 7, 2, 1, 7})
	f.Add([]byte{0, 4, 100, 3, 3, 4, 30, 4, 20, 7, 8, 4, 2, 6, 4, 255, 7, 1, 4})
	f.Add([]byte{5, 9, 0, 3, 9, 10, 0, 9, 50, 1, 6, 9, 200, 7, 9, 1, 2, 9})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 2048 {
			return
		}
		s, err := shard.NewDBs(1, 2)
		require.NoError(t, err)
		dbs := []shard.DB{s.DB(0), s.DB(1)}
		models := []model{{}, {}}
		now := int64(1_000)
		r := &opReader{ops}
		keyOf := func() []byte { return fmt.Appendf(nil, "key:%02d", r.next()%64) }
		valueOf := func() []byte {
			n := int(r.next()) * 32 >> (r.next() % 4)
			return bytes.Repeat([]byte{'a' + r.next()%26}, n)
		}
		check := func(step int, db int, k []byte) {
			t.Helper()
			want, wok := models[db].live(string(k), now)
			var got []byte
			var exp int64
			ok := dbs[db].View(k, now, func(v shard.Value) {
				got, exp = shard.AppendRendered(nil, v), v.ExpireAt()
			})
			require.Equal(t, wok, ok, "step %d db %d %s", step, db, k)
			if ok {
				require.Equal(t, want.val, string(got), "step %d db %d %s", step, db, k)
				require.Equal(t, want.exp, exp, "step %d db %d %s deadline", step, db, k)
			}
		}
		for step := 0; len(r.b) > 0; step++ {
			db := int(r.next() % 2)
			d, m := dbs[db], models[db]
			switch op := r.next() % 8; op {
			case 0: // SET key value [deadline]
				k, v := keyOf(), valueOf()
				var exp int64
				if ttl := r.next() % 4; ttl > 0 {
					exp = now + int64(ttl)*10
				}
				d.Update(k, now, func(e *shard.Entry) { e.SetString(v, exp) })
				m[string(k)] = modelEntry{string(v), exp}
			case 1: // burst: overwrite one key many times, growing and shrinking
				k := keyOf()
				e0, had := m.live(string(k), now)
				n := int(r.next()%32) + 1
				for i := range n {
					v := bytes.Repeat([]byte{'A' + byte(i%26)}, 512+(i%3)*1500)
					d.Update(k, now, func(e *shard.Entry) { e.SetString(v, e0.exp) })
					m[string(k)] = modelEntry{string(v), e0.exp}
				}
				if !had {
					m[string(k)] = modelEntry{m[string(k)].val, 0}
				}
			case 2: // SETRANGE-style patch in place
				k := keyOf()
				off, b := int(r.next()), []byte{'#', '#'}
				var patched bool
				d.Update(k, now, func(e *shard.Entry) { patched = e.PatchString(off, b) })
				// Lists are the only values with commas.
				if e, ok := m.live(string(k), now); ok && !strings.Contains(e.val, ",") && off+len(b) <= len(e.val) {
					require.True(t, patched, "step %d patch %s", step, k)
					e.val = e.val[:off] + string(b) + e.val[off+len(b):]
					m[string(k)] = e
				} else {
					require.False(t, patched, "step %d patch %s", step, k)
				}
			case 3: // DEL
				k := keyOf()
				var got bool
				d.Update(k, now, func(e *shard.Entry) { got = e.Delete() })
				_, want := m.live(string(k), now)
				delete(m, string(k))
				require.Equal(t, want, got, "step %d DEL %s", step, k)
			case 4: // PEXPIREAT key now+[-20, 40], 0 persists
				k := keyOf()
				var at int64
				if b := r.next(); b != 0 {
					at = now + int64(b%61) - 20
				}
				d.Update(k, now, func(e *shard.Entry) { e.SetExpireAt(at) })
				if e, ok := m.live(string(k), now); ok && (at == 0 || at > now) {
					e.exp = at
					m[string(k)] = e
				} else {
					delete(m, string(k))
				}
			case 5: // store a list (a collection record among the strings)
				k := keyOf()
				v := fmt.Appendf(nil, "x,%d,y", r.next())
				d.Update(k, now, func(e *shard.Entry) { e.SetInferred(v, 0) })
				m[string(k)] = modelEntry{string(v), 0}
			case 6: // MOVE to the other database
				k := keyOf()
				other := 1 - db
				moved := d.Move(k, other, now)
				e, ok := m.live(string(k), now)
				_, taken := models[other].live(string(k), now)
				require.Equal(t, ok && !taken, moved, "step %d MOVE %s", step, k)
				if moved {
					models[other][string(k)] = e
					delete(m, string(k))
				}
			case 7: // time passes; an expiry pass (which also compacts)
				now += int64(r.next() % 30)
				s.ExpireSample(0, now, 10)
			}
			check(step, db, keyOf())
		}
		for db := range dbs {
			var got []string
			dbs[db].Scan(0, now, func(k []byte, _ shard.Value) { got = append(got, string(k)) })
			var want []string
			for k := range models[db] {
				if _, ok := models[db].live(k, now); ok {
					want = append(want, k)
				}
				check(-1, db, []byte(k))
			}
			slices.Sort(got)
			slices.Sort(want)
			assert.Equal(t, want, got, "db %d live keys at the end", db)
		}
	})
}
