package scenarios

import (
	"cmp"
	"math/bits"
	"slices"
	"time"
)

// eventKind says what a simulated event does when its time comes.
type eventKind uint8

const (
	evStart   eventKind = iota // a client starts a logical request, or its wait ends
	evArrive                   // an attempt (or its row read) reaches the server
	evRelease                  // the server is done with an admitted request
	evRespond                  // the client learns an attempt's outcome
	evFinish                   // the server is done with abandoned work; client is a detachedTickets handle
)

// event is one entry of the simulator's queue: small and pointer-free, so a
// queue of a million events is a few allocations the garbage collector never
// scans.
type event struct {
	at     time.Duration // virtual time since the run started
	client int32
	kind   eventKind
}

// eventQueue orders events on (at, insertion order): ties break by
// insertion order, which makes a run a pure function of its seed.
//
// The fleet's first events (each client's start) are known up front: they
// wait in a sorted list, not in the queue, so the queue holds only the
// events of clients already running, and a fleet of a million that starts
// over an hour costs no million-entry queue. A start comes before any event
// pushed for the same time, as if pushed first.
//
// The rest is a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan, "Faster
// algorithms for the shortest path problem", J. ACM 37(2), 1990), which
// works because the simulator never schedules an event before the current
// time: bucket b holds the events whose time first differs from last (the
// time of the latest event taken from the buckets) in bit b-1, bucket 0
// those at last itself. Popping takes bucket 0 in order; when it is empty,
// the lowest non-empty bucket is spread over the buckets below it around its
// least time. A push is an append and an event moves only to lower buckets,
// each move sequential, where a binary or 4-ary heap of a fleet in flight
// reads a cache line per level at random. Events of the same time are
// always in the same bucket, and spreading keeps their order, so they come
// out in insertion order with no sequence number to compare.
type eventQueue struct {
	startAt []time.Duration // when client i starts
	order   []int32         // the clients by start; nil when startAt is sorted
	started int             // starts popped

	buckets [64][]event       // times are non-negative, so at^last < 2^63
	least   [64]time.Duration // the least time in each non-empty bucket
	full    uint64            // bit b: buckets[b] holds an event not yet popped
	front   int               // the next event of buckets[0]
	size    int               // events in the buckets
	last    time.Duration

	// warm, when set, is called with the events of a bucket about to be
	// spread, when it holds at most warmAhead: they are the next events due.
	warm func(e *event)
}

// keptBucket is the largest capacity, in events, of a bucket kept for reuse
// once spread: each of the 64 buckets would otherwise keep the most it ever
// held, which for a fleet in flight added up to several times the events
// queued at once (7 MB for the herd's 100,000 clients, 1.6 MB of them events).
const keptBucket = 4096

// warmAhead bounds the events warm is called with at once: the herd of
// BenchmarkSimHerdEngine ran fastest with 8 to 16 (1.15M attempts/cpu-s, against
// 1.03M with 128 and 0.86M without warm).
const warmAhead = 16

func (q *eventQueue) Len() int {
	return len(q.startAt) - q.started + q.size
}

// startAll schedules client i's start at startAt[i], for every client, as if
// pushed in client order on an empty queue.
func (q *eventQueue) startAll(startAt []time.Duration) {
	q.startAt, q.order, q.started = startAt, nil, 0
	if !slices.IsSorted(startAt) {
		q.order = make([]int32, len(startAt))
		for i := range q.order {
			q.order[i] = int32(i)
		}
		// Stable, so equal times keep client order, as pushes in that order would.
		slices.SortStableFunc(q.order, func(a, b int32) int { return cmp.Compare(startAt[a], startAt[b]) })
	}
}

// Push schedules an event; at must not be before the last popped event's time.
func (q *eventQueue) Push(at time.Duration, kind eventKind, client int32) {
	b := bits.Len64(uint64(at ^ q.last))
	if len(q.buckets[b]) == q.frontOf(b) || at < q.least[b] {
		q.least[b] = at
	}
	if b == 0 && len(q.buckets[0]) == cap(q.buckets[0]) && q.front >= len(q.buckets[0])/2 {
		q.dropFront()
	}
	q.buckets[b] = append(q.buckets[b], event{at: at, client: client, kind: kind})
	q.full |= 1 << b
	q.size++
}

// dropFront moves bucket 0's events not yet popped to its start, over those
// popped, when it is full and they are at most half of it: a fleet at one
// time (started together, answered at once) pushes to bucket 0 while
// popping from it, and without this it would grow to every event of that
// time, popped or not. Each move is of at most half of what was appended
// since the last, so it costs O(1) a push over time.
func (q *eventQueue) dropFront() {
	b0 := q.buckets[0]
	n := copy(b0, b0[q.front:])
	q.buckets[0], q.front = b0[:n], 0
}

// frontOf is where bucket b's events not yet popped begin.
func (q *eventQueue) frontOf(b int) int {
	if b == 0 {
		return q.front
	}
	return 0
}

// leastAt is the earliest time in the buckets, which must not be empty.
func (q *eventQueue) leastAt() time.Duration {
	return q.least[bits.TrailingZeros64(q.full)]
}

// Pop removes and returns the earliest event. The queue must not be empty.
func (q *eventQueue) Pop() event {
	if q.started < len(q.startAt) {
		client := int32(q.started)
		if q.order != nil {
			client = q.order[q.started]
		}
		if at := q.startAt[client]; q.size == 0 || at <= q.leastAt() {
			if q.started++; q.started == len(q.startAt) {
				// Every client has started: the list (8 bytes a client,
				// and 4 more for the order) is let go.
				q.startAt, q.order, q.started = nil, nil, 0
			}
			return event{at: at, client: client, kind: evStart}
		}
	}
	if q.full&1 == 0 {
		q.spread()
	}
	b0 := q.buckets[0]
	e := b0[q.front]
	q.front++
	q.size--
	if q.front == len(b0) {
		q.buckets[0], q.front = b0[:0], 0
		q.full &^= 1
	}
	return e
}

// spread empties the lowest non-empty bucket into the buckets below it,
// around its least time, which becomes last; bucket 0 must be empty.
func (q *eventQueue) spread() {
	b := bits.TrailingZeros64(q.full)
	src := q.buckets[b]
	q.last = q.least[b]
	q.buckets[b] = nil
	if cap(src) <= keptBucket {
		q.buckets[b] = src[:0] // reused: spreading moves nothing into it
	}
	q.full &^= 1 << b
	if q.warm != nil && len(src) <= warmAhead {
		for i := range src {
			q.warm(&src[i])
		}
	}
	for _, e := range src { // every bucket below b is empty
		nb := bits.Len64(uint64(e.at ^ q.last))
		if len(q.buckets[nb]) == 0 || e.at < q.least[nb] {
			q.least[nb] = e.at
		}
		q.buckets[nb] = append(q.buckets[nb], e)
		q.full |= 1 << nb
	}
}
