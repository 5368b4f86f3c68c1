package server

import (
	"strconv"
	"sync"
)

// Redis's bounds on what one slowlog entry keeps of a command.
const (
	slowlogMaxArgc   = 32
	slowlogMaxArgLen = 128
)

// slowlogEntry is one command that ran longer than slowlog-log-slower-than.
type slowlogEntry struct {
	id       int64
	time     int64 // unix seconds when it ran
	duration int64 // microseconds
	args     []string
	addr     string
	name     string
}

// slowlog is SLOWLOG's list, newest first. Only slow commands reach it,
// so one mutex is enough.
type slowlog struct {
	mu      sync.Mutex
	entries []slowlogEntry // oldest first; SLOWLOG GET reads it backwards
	nextID  int64
}

// add records a slow command, keeping at most maxLen entries. args are
// copied, trimmed as Redis trims them.
func (l *slowlog) add(args [][]byte, at, usec int64, addr, name string, maxLen int) {
	if maxLen <= 0 {
		return
	}
	n := min(len(args), slowlogMaxArgc)
	kept := make([]string, n)
	for i := range n {
		a := args[i]
		switch {
		case redacted(args, i):
			kept[i] = "(redacted)"
		case i == slowlogMaxArgc-1 && len(args) > slowlogMaxArgc:
			kept[i] = "... (" + strconv.Itoa(len(args)-slowlogMaxArgc+1) + " more arguments)"
		case len(a) > slowlogMaxArgLen:
			kept[i] = string(a[:slowlogMaxArgLen]) + "... (" + strconv.Itoa(len(a)-slowlogMaxArgLen) + " more bytes)"
		default:
			kept[i] = string(a)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, slowlogEntry{id: l.nextID, time: at, duration: usec, args: kept, addr: addr, name: name})
	l.nextID++
	l.trimLocked(maxLen)
}

// redacted reports whether argument i is a password Redis keeps out of
// SLOWLOG: AUTH's arguments, and the two after HELLO's AUTH.
func redacted(args [][]byte, i int) bool {
	switch {
	case i == 0:
		return false
	case equalFold(args[0], "AUTH"):
		return true
	case equalFold(args[0], "HELLO"):
		for j := 2; j < len(args); j++ {
			if equalFold(args[j], "AUTH") && (i == j+1 || i == j+2) {
				return true
			}
		}
	}
	return false
}

// trim drops the oldest entries past maxLen (a lowered slowlog-max-len).
func (l *slowlog) trim(maxLen int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.trimLocked(maxLen)
}

func (l *slowlog) trimLocked(maxLen int) {
	if extra := len(l.entries) - maxLen; extra > 0 {
		l.entries = append(l.entries[:0], l.entries[extra:]...)
	}
}

func (l *slowlog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

func (l *slowlog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = nil
}

// newest returns up to n entries, newest first (n < 0: all).
func (l *slowlog) newest(n int) []slowlogEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n < 0 || n > len(l.entries) {
		n = len(l.entries)
	}
	out := make([]slowlogEntry, n)
	for i := range n {
		out[i] = l.entries[len(l.entries)-1-i]
	}
	return out
}
