package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMovesWithGoRedis drives the moves and pops through go-redis's typed
// helpers, in RESP3 as go-redis speaks it, so its reply parsing accepts
// ours.
func TestMovesWithGoRedis(t *testing.T) {
	s := startServer(t, redisConfig())
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr().String()})
	t.Cleanup(func() { rdb.Close() })

	require.NoError(t, rdb.RPush(ctx, "q", "a", "b", "c", "d").Err())
	v, err := rdb.LMove(ctx, "q", "done", "LEFT", "RIGHT").Result()
	require.NoError(t, err)
	assert.Equal(t, "a", v)
	// go-redis deprecates its RPopLPush helper (Redis 6.2 did); the command
	// itself is still Redis 7.0's.
	v, err = rdb.Do(ctx, "RPOPLPUSH", "q", "done").Text()
	require.NoError(t, err)
	assert.Equal(t, "d", v)
	assert.Equal(t, []string{"d", "a"}, rdb.LRange(ctx, "done", 0, -1).Val())
	_, err = rdb.LMove(ctx, "nope", "done", "LEFT", "LEFT").Result()
	assert.ErrorIs(t, err, redis.Nil)

	key, elems, err := rdb.LMPop(ctx, "right", 5, "nope", "q", "done").Result()
	require.NoError(t, err)
	assert.Equal(t, "q", key)
	assert.Equal(t, []string{"c", "b"}, elems)
	_, _, err = rdb.LMPop(ctx, "left", 1, "nope", "q").Result()
	assert.ErrorIs(t, err, redis.Nil)

	require.NoError(t, rdb.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2.5, Member: "b"}).Err())
	key, zs, err := rdb.ZMPop(ctx, "max", 1, "nope", "z").Result()
	require.NoError(t, err)
	assert.Equal(t, "z", key)
	assert.Equal(t, []redis.Z{{Score: 2.5, Member: "b"}}, zs)
	_, _, err = rdb.ZMPop(ctx, "min", 1, "nope").Result()
	assert.ErrorIs(t, err, redis.Nil)

	require.NoError(t, rdb.SAdd(ctx, "s", "m").Err())
	assert.True(t, rdb.SMove(ctx, "s", "t", "m").Val())
	assert.False(t, rdb.SMove(ctx, "s", "t", "m").Val())
	assert.Equal(t, int64(0), rdb.Exists(ctx, "s").Val())
}

// TestMovesAreAtomic moves elements between lists and members between sets
// on different shards from several clients, while others count every list
// and set inside one MULTI: the totals never change, so no reader sees an
// element in neither place or in both. MULTI with LMPOP also holds the
// shards its numkeys names.
func TestMovesAreAtomic(t *testing.T) {
	s := startServer(t, redisConfig())
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr().String(), PoolSize: 8})
	t.Cleanup(func() { rdb.Close() })
	const n, items = 4, 40
	lists, sets := make([]string, n), make([]string, n)
	for i := range n {
		lists[i], sets[i] = fmt.Sprintf("list:%d", i), fmt.Sprintf("set:%d", i)
	}
	for i := range items {
		require.NoError(t, rdb.RPush(ctx, lists[i%n], i).Err())
		require.NoError(t, rdb.SAdd(ctx, sets[i%n], i).Err())
	}
	rounds := 300
	if testing.Short() {
		rounds = 60
	}
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range rounds {
				from, to := (w+i)%n, (w*3+i*5+1)%n
				var err error
				switch i % 3 {
				case 0:
					err = rdb.LMove(ctx, lists[from], lists[to], "LEFT", "RIGHT").Err()
				case 1:
					err = rdb.Do(ctx, "RPOPLPUSH", lists[from], lists[to]).Err()
				default:
					// An LMPOP over every list pops exactly one element
					// (the lists hold items > 0 between them) and the push
					// puts one back: EXEC holds the shards LMPOP's numkeys
					// names, so no reader sees the count change.
					_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.LMPop(ctx, "left", 1, lists...)
						p.RPush(ctx, lists[to], "x")
						return nil
					})
				}
				if err != nil && !errors.Is(err, redis.Nil) {
					errs <- err
					return
				}
				// Pipelined, so that the server runs SMOVEs back to back
				// and a reader's EXEC lands among them.
				if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
					for k := range 16 {
						p.SMove(ctx, sets[(from+k)%n], sets[(to+k)%n], (w+i+k)%items)
					}
					return nil
				}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for range 3 {
		wg.Go(func() {
			for range 2 * rounds {
				var lens []*redis.IntCmd
				if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
					for i := range n {
						lens = append(lens, p.LLen(ctx, lists[i]), p.SCard(ctx, sets[i]))
					}
					return nil
				}); err != nil {
					errs <- err
					return
				}
				var inLists, inSets int64
				for i, c := range lens {
					if i%2 == 0 {
						inLists += c.Val()
					} else {
						inSets += c.Val()
					}
				}
				if inLists != items || inSets != items {
					errs <- fmt.Errorf("counted %d list elements and %d set members, want %d of each", inLists, inSets, items)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestMovesTouchWatchedKeys: a move invalidates a WATCH on either of its
// keys, and a move that changes nothing (a set moved onto itself, a missing
// source, a WRONGTYPE) does not.
func TestMovesTouchWatchedKeys(t *testing.T) {
	s := startServer(t, redisConfig())
	other := dial(t, s)
	runExchanges(t, other, []exchange{
		{"list", resp("RPUSH", "src", "a", "b"), ":2\r\n"},
		{"set", resp("SADD", "s", "m"), ":1\r\n"},
		{"string", resp("SET", "str", "v"), "+OK\r\n"},
	})
	cases := []struct {
		name    string
		watch   string
		move    []string
		reply   string
		touched bool
	}{
		{"lmove source", "src", []string{"LMOVE", "src", "dst", "LEFT", "LEFT"}, "$1\r\na\r\n", true},
		{"lmove destination", "dst", []string{"LMOVE", "src", "dst", "LEFT", "LEFT"}, "$1\r\nb\r\n", true},
		{"rpoplpush rotation", "dst", []string{"RPOPLPUSH", "dst", "dst"}, "$1\r\na\r\n", true},
		{"lmpop", "dst", []string{"LMPOP", "2", "nope", "dst", "RIGHT"}, "*2\r\n$3\r\ndst\r\n*1\r\n$1\r\nb\r\n", true},
		{"zmpop of nothing", "nope", []string{"ZMPOP", "1", "nope", "MIN"}, "*-1\r\n", false},
		{"smove onto itself", "s", []string{"SMOVE", "s", "s", "m"}, ":1\r\n", false},
		{"smove wrongtype", "s", []string{"SMOVE", "s", "str", "m"}, wrongType, false},
		{"lmove wrongtype", "dst", []string{"LMOVE", "dst", "str", "LEFT", "LEFT"}, wrongType, false},
		{"smove destination", "t", []string{"SMOVE", "s", "t", "m"}, ":1\r\n", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := dial(t, s)
			want := "*1\r\n+OK\r\n"
			if tc.touched {
				want = "*-1\r\n"
			}
			runExchanges(t, w, []exchange{{"watch", resp("WATCH", tc.watch), "+OK\r\n"}})
			runExchanges(t, other, []exchange{{"move", resp(tc.move...), tc.reply}})
			runExchanges(t, w, []exchange{
				{"multi", resp("MULTI"), "+OK\r\n"},
				{"queued", resp("SET", "marker", "1"), "+QUEUED\r\n"},
				{"exec", resp("EXEC"), want},
			})
		})
	}
}
