package resilience

import (
	"sync"
	"time"
)

// staleCacheLimit bounds the number of keys the stale cache keeps.
const staleCacheLimit = 10000

// staleCache keeps the last good value per request key, for the stale
// fallback. Entries older than ttl are never served.
type staleCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]staleEntry
}

type staleEntry struct {
	at    time.Time
	value any
}

func newStaleCache(ttl time.Duration) *staleCache {
	return &staleCache{ttl: ttl, entries: map[string]staleEntry{}}
}

func (c *staleCache) put(key string, now time.Time, value any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= staleCacheLimit {
		c.evictLocked(now)
	}
	c.entries[key] = staleEntry{now, value}
}

// evictLocked drops expired entries, or an arbitrary one if none expired.
func (c *staleCache) evictLocked(now time.Time) {
	for k, e := range c.entries {
		if now.Sub(e.at) > c.ttl {
			delete(c.entries, k)
		}
	}
	if len(c.entries) >= staleCacheLimit {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
}

// get returns the value for key if it is at most ttl old.
func (c *staleCache) get(key string, now time.Time) (value any, age time.Duration, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.entries[key]
	if !found {
		return nil, 0, false
	}
	age = now.Sub(e.at)
	if age > c.ttl {
		return nil, 0, false
	}
	return e.value, age, true
}
