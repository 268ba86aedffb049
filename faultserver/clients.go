package faultserver

import (
	"sync"
	"time"
)

// clientState is one client key's state on one route.
type clientState struct {
	mu     sync.Mutex
	hash   uint64        // hashString of the key
	n      uint64        // requests this client made on this route
	first  time.Duration // arrival of its first request
	clock  phaseClock    // its own schedule, under per: client
	stream *stream
}

// clientShards spreads client keys over independently locked maps, so
// concurrent requests of different clients rarely contend.
const clientShards = 64

// clientTable maps client keys to their state. A key is added once; looking up
// a known key does not allocate.
type clientTable struct {
	shards [clientShards]struct {
		mu sync.RWMutex
		m  map[string]*clientState
	}
}

func (t *clientTable) get(key string) *clientState {
	h := hashString(key)
	sh := &t.shards[h%clientShards]
	sh.mu.RLock()
	st := sh.m[key]
	sh.mu.RUnlock()
	if st != nil {
		return st
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if st = sh.m[key]; st == nil {
		if sh.m == nil {
			sh.m = map[string]*clientState{}
		}
		st = &clientState{hash: h, stream: newStream()}
		sh.m[key] = st
	}
	return st
}

// len counts the clients seen.
func (t *clientTable) len() int {
	n := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}
