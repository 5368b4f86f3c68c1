package shard

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// actorRecorder is an ActorObserver that keeps who made each change.
type actorRecorder struct {
	recorder
	mu     sync.Mutex
	actors []string
}

func (r *actorRecorder) TouchedBy(db int, key []byte, ev Event, actor any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.actors = append(r.actors, fmt.Sprintf("%s:%v", key, actor))
}

func (r *actorRecorder) takeActors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.actors
	r.actors = nil
	return a
}

func TestActorReachesObserver(t *testing.T) {
	s, err := New(4)
	require.NoError(t, err)
	r := &actorRecorder{}
	s.SetObserver(r)
	d := s.DB(0)
	a := d.WithActor("alice")
	assert.Equal(t, "alice", a.Actor())
	assert.Nil(t, d.Actor())

	a.Update([]byte("k"), 1, func(e *Entry) { e.SetString([]byte("v"), 0) })
	d.Update([]byte("k"), 1, func(e *Entry) { e.SetString([]byte("w"), 0) })
	a.UpdateMulti([][]byte{[]byte("x"), []byte("y")}, 1, func(tx *Tx) {
		tx.Entry([]byte("x")).SetString([]byte("v"), 0)
		tx.Entry([]byte("y")).SetString([]byte("v"), 0)
	})
	a.Move([]byte("k"), 1, 1)
	h := s.Hold([][]byte{[]byte("z")})
	h.DB(0).WithActor("bob").Update([]byte("z"), 1, func(e *Entry) { e.SetString([]byte("v"), 0) })
	h.Release()
	// A write without an actor right after one with it carries none: the
	// shard forgets the actor when the write ends.
	d.Update([]byte("z"), 1, func(e *Entry) { e.Delete() })
	assert.Equal(t, []string{"k:alice", "k:<nil>", "x:alice", "y:alice", "k:alice", "k:alice", "z:bob", "z:<nil>"}, r.takeActors())
	assert.Empty(t, r.take(), "Touched is not called when TouchedBy is")
}
