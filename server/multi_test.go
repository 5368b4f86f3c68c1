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

// bank is the shared harness of the transfer tests: accounts on different
// shards, movers that shift units between them and readers that sum them.
type bank struct {
	rdb  *redis.Client
	keys []string
}

const bankAccounts, bankStart = 8, 1000

func newBank(t *testing.T) *bank {
	s := startServer(t, redisConfig())
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr().String(), PoolSize: 8})
	t.Cleanup(func() { rdb.Close() })
	b := &bank{rdb: rdb, keys: make([]string, bankAccounts)}
	for i := range b.keys {
		b.keys[i] = "acct:" + strconv.Itoa(i)
		require.NoError(t, rdb.Set(context.Background(), b.keys[i], bankStart, 0).Err())
	}
	return b
}

// run starts 4 movers calling move(i, from, to) rounds times and 2 readers
// calling read rounds times; every total read must be the starting total.
func (b *bank) run(t *testing.T, rounds int, move func(i int, from, to string) error, read func() ([]int, error)) {
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range rounds {
				from, to := b.keys[(w+i)%bankAccounts], b.keys[(w*3+i*5+1)%bankAccounts]
				if err := move(i, from, to); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for range rounds {
				totals, err := read()
				for _, total := range totals {
					if err != nil || total != bankAccounts*bankStart {
						errs <- fmt.Errorf("read a total of %d (%v): a transfer was seen half done", total, err)
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

// sum adds up MGET-style replies.
func sum(vals []any) (int, error) {
	total := 0
	for _, v := range vals {
		s, _ := v.(string)
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// TestTransferInvariant moves units between accounts on different shards
// with MULTI/EXEC from several clients while others read every account in
// one MULTI and with MGET: the total is the same at every read, so no
// reader ever sees half of a transaction.
func TestTransferInvariant(t *testing.T) {
	b := newBank(t)
	ctx := context.Background()
	rounds := 400
	if testing.Short() {
		rounds = 100
	}
	b.run(t, rounds, func(_ int, from, to string) error {
		_, err := b.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.DecrBy(ctx, from, 7)
			p.IncrBy(ctx, to, 7)
			return nil
		})
		return err
	}, func() ([]int, error) {
		var got *redis.SliceCmd
		if _, err := b.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			got = p.MGet(ctx, b.keys...)
			return nil
		}); err != nil {
			return nil, err
		}
		inTx, err := sum(got.Val())
		if err != nil {
			return nil, err
		}
		plain, err := sum(b.rdb.MGet(ctx, b.keys...).Val())
		return []int{inTx, plain}, err
	})
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
