package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTransferInvariant moves units between accounts on different shards
// with MULTI/EXEC from several clients while others read every account in
// one MULTI and with MGET: the total is the same at every read, so no
// reader ever sees half of a transaction.
func TestTransferInvariant(t *testing.T) {
	s := startServer(t, redisConfig())
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr().String(), PoolSize: 8})
	t.Cleanup(func() { rdb.Close() })
	const accounts, start = 8, 1000
	keys := make([]string, accounts)
	for i := range keys {
		keys[i] = fmt.Sprintf("acct:%d", i)
		require.NoError(t, rdb.Set(ctx, keys[i], start, 0).Err())
	}
	transfers := 400
	if testing.Short() {
		transfers = 100
	}
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range transfers {
				from, to := keys[(w+i)%accounts], keys[(w*3+i*5+1)%accounts]
				_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.DecrBy(ctx, from, 7)
					p.IncrBy(ctx, to, 7)
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	sum := func(vals []any) (int, error) {
		total := 0
		for _, v := range vals {
			n, err := strconv.Atoi(v.(string))
			if err != nil {
				return 0, err
			}
			total += n
		}
		return total, nil
	}
	for range 2 {
		wg.Go(func() {
			for range transfers {
				var got *redis.SliceCmd
				if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
					got = p.MGet(ctx, keys...)
					return nil
				}); err != nil {
					errs <- err
					return
				}
				for _, vals := range [][]any{got.Val(), rdb.MGet(ctx, keys...).Val()} {
					if total, err := sum(vals); err != nil || total != accounts*start {
						errs <- fmt.Errorf("read a total of %d (%v): a transaction was seen half done", total, err)
						return
					}
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

// TestWatchOptimisticLocking increments one counter from many clients with
// go-redis's Watch helper (WATCH, GET, MULTI, SET, EXEC, retry on
// TxFailedErr): contention makes EXECs fail, and no increment may be lost.
func TestWatchOptimisticLocking(t *testing.T) {
	s := startServer(t, redisConfig())
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr().String(), PoolSize: 8})
	t.Cleanup(func() { rdb.Close() })
	const workers = 6
	per := 100
	if testing.Short() {
		per = 30
	}
	var retries sync.Map
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			n := 0
			for range per {
				for {
					err := rdb.Watch(ctx, func(tx *redis.Tx) error {
						v, err := tx.Get(ctx, "counter").Int()
						if err != nil && !errors.Is(err, redis.Nil) {
							return err
						}
						_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
							p.Set(ctx, "counter", v+1, 0)
							return nil
						})
						return err
					}, "counter")
					if errors.Is(err, redis.TxFailedErr) {
						n++
						continue
					}
					if err != nil {
						errs <- err
						return
					}
					break
				}
			}
			retries.Store(w, n)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := rdb.Get(ctx, "counter").Int()
	require.NoError(t, err)
	assert.Equal(t, workers*per, got, "an increment was lost")
	total := 0
	retries.Range(func(_, v any) bool { total += v.(int); return true })
	t.Logf("%d increments, %d EXECs failed on a watched key and were retried", workers*per, total)
}
