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

	buckets [64]eventList     // times are non-negative, so at^last < 2^63
	least   [64]time.Duration // the least time in each non-empty bucket
	full    uint64            // bit b: buckets[b] holds an event not yet popped
	size    int               // events in the buckets
	last    time.Duration
	chunks  eventChunks // what the buckets' events are held in

	// warm, when set, is called with the events of a bucket about to be
	// spread, when it holds at most warmAhead: they are the next events due.
	warm func(e *event)
}

// eventList is a bucket's events in push order, in a list of chunks: a push
// writes at the tail, a pop (of bucket 0) reads at the head, and a chunk
// goes back to the queue's free chunks once read. A bucket thus holds
// about the events it has, not the most it ever had, and growing it copies
// nothing: as slices, the buckets of a fleet in flight held four times its
// events (grown by doubling, kept for reuse), and growing them was the
// engine's largest allocation.
type eventList struct {
	head, tail chunkRef // 0 for none
	front      int32    // the head chunk's events already popped
	end        int32    // the tail chunk's events
	n          int32    // events not yet popped
}

// chunkEvents is the number of events per chunk (4 KiB).
const chunkEvents = 256

// chunkRef is a chunk's index+1 in eventChunks.
type chunkRef int32

// eventChunks holds the queue's chunks, in use or free (a list through next).
type eventChunks struct {
	events [][]event // by chunk, chunkEvents each
	next   []chunkRef
	free   chunkRef
}

func (c *eventChunks) take() chunkRef {
	if r := c.free; r != 0 {
		c.free, c.next[r-1] = c.next[r-1], 0
		return r
	}
	c.events = append(c.events, make([]event, chunkEvents))
	c.next = append(c.next, 0)
	return chunkRef(len(c.events))
}

func (c *eventChunks) put(r chunkRef) {
	c.next[r-1], c.free = c.free, r
}

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
	if q.full&(1<<b) == 0 || at < q.least[b] {
		q.least[b] = at
	}
	q.append(b, event{at: at, client: client, kind: kind})
	q.size++
}

// append writes e at the tail of bucket b.
func (q *eventQueue) append(b int, e event) {
	l := &q.buckets[b]
	switch {
	case l.tail == 0:
		c := q.chunks.take()
		l.head, l.tail, l.front, l.end = c, c, 0, 0
	case l.end == chunkEvents:
		c := q.chunks.take()
		q.chunks.next[l.tail-1] = c
		l.tail, l.end = c, 0
	}
	q.chunks.events[l.tail-1][l.end] = e
	l.end++
	l.n++
	q.full |= 1 << b
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
	l := &q.buckets[0]
	e := q.chunks.events[l.head-1][l.front]
	l.front++
	l.n--
	q.size--
	switch {
	case l.n == 0: // its one chunk is all read
		q.chunks.put(l.head)
		*l = eventList{}
		q.full &^= 1
	case l.front == chunkEvents:
		h := l.head
		l.head, l.front = q.chunks.next[h-1], 0
		q.chunks.put(h)
	}
	return e
}

// spread empties the lowest non-empty bucket into the buckets below it,
// around its least time, which becomes last; bucket 0 must be empty.
func (q *eventQueue) spread() {
	b := bits.TrailingZeros64(q.full)
	src := q.buckets[b]
	q.buckets[b] = eventList{}
	q.last = q.least[b]
	q.full &^= 1 << b
	if q.warm != nil && src.n <= warmAhead {
		q.each(src, q.warm)
	}
	for c := src.head; c != 0; { // every bucket below b is empty
		events, n := q.chunks.events[c-1], chunkEvents
		if c == src.tail {
			n = int(src.end)
		}
		for _, e := range events[:n] {
			nb := bits.Len64(uint64(e.at ^ q.last))
			if q.full&(1<<nb) == 0 || e.at < q.least[nb] {
				q.least[nb] = e.at
			}
			q.append(nb, e)
		}
		next := q.chunks.next[c-1]
		q.chunks.put(c) // read: a bucket below may take it next
		c = next
	}
}

// each calls f with each event of l not yet popped, in order.
func (q *eventQueue) each(l eventList, f func(*event)) {
	for c, i := l.head, int(l.front); c != 0; c, i = q.chunks.next[c-1], 0 {
		events, n := q.chunks.events[c-1], chunkEvents
		if c == l.tail {
			n = int(l.end)
		}
		for ; i < n; i++ {
			f(&events[i])
		}
	}
}
