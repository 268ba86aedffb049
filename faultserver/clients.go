package faultserver

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/chaos-harness/chaos/internal/hashmix"
)

// clientState is one client key's state on one route, in the script's
// table of keys.
type clientState struct {
	mu sync.Mutex
	clientDecisions
	stream stream
	key    string // the key it is kept under in its table; "" for a shard's overflow
}

// clientDecisions is what deciding a client's requests on a route reads and
// counts (Script.decide); NumberedClients holds it alone, by value.
type clientDecisions struct {
	hash  uint64        // hashmix.String of the key
	n     uint64        // requests this client made on this route
	first time.Duration // arrival of its first request
	clock phaseClock    // its own schedule, under per: client
}

// newClientState returns the state of a client key never seen on a route.
func newClientState(hash uint64) *clientState {
	st := &clientState{clientDecisions: clientDecisions{hash: hash}}
	st.stream.init()
	return st
}

// clientShards spreads client keys over independently locked maps, so
// concurrent requests of different clients rarely contend.
const clientShards = 64

// Bounds of a clientTable, so that memory stays bounded whatever keys
// clients send (X-Chaos-Client is the client's to choose): at most
// MaxClientKeys keys per route, holding at most MaxClientKeyBytes of key text.
const (
	MaxClientKeys     = 1 << 20
	MaxClientKeyBytes = 64 << 20
)

// shardKeys and shardKeyBytes are the bounds per shard (variables, so tests
// can lower them).
var (
	shardKeys     = MaxClientKeys / clientShards
	shardKeyBytes = MaxClientKeyBytes / clientShards
)

// clientTable maps client keys to their state. A key is added once; looking up
// a known key does not allocate. Once a shard is full, keys new to it share
// one overflow state: they are still decided, but share that state's request
// count, random stream and per-client phases.
//
// The state last looked up is at hand without a lock or a hash: a run of
// requests of one client (one load generator, every client of a script
// keyed by address and User-Agent behind one proxy) finds it with a string
// comparison, which is a pointer comparison for the keys keyCache shares.
type clientTable struct {
	last   atomic.Pointer[clientState] // the state get found last, never the overflow
	shards [clientShards]struct {
		mu       sync.RWMutex
		m        map[string]*clientState
		keyBytes int
		overflow *clientState
	}
}

func (t *clientTable) get(key string) *clientState {
	if st := t.last.Load(); st != nil && st.key == key {
		return st
	}
	st := t.lookup(key)
	if st.key == key { // not the overflow, which stands for other keys too
		t.last.Store(st)
	}
	return st
}

// lookup finds key's state in its shard, adding it when it is new.
func (t *clientTable) lookup(key string) *clientState {
	h := hashmix.String(key)
	sh := &t.shards[h%clientShards]
	sh.mu.RLock()
	st := sh.m[key]
	sh.mu.RUnlock()
	if st != nil {
		return st
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if st = sh.m[key]; st != nil {
		return st
	}
	if len(sh.m) >= shardKeys || sh.keyBytes+len(key) > shardKeyBytes {
		if sh.overflow == nil {
			sh.overflow = newClientState(h)
		}
		return sh.overflow
	}
	if sh.m == nil {
		sh.m = map[string]*clientState{}
	}
	st = newClientState(h)
	st.key = key
	sh.m[key] = st
	sh.keyBytes += len(key)
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
