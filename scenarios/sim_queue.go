package scenarios

import (
	"cmp"
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
// queue of a million events is one allocation the garbage collector never scans.
type event struct {
	at     time.Duration // virtual time since the run started
	seq    uint64        // insertion order: equal times run first-in first-out
	client int32
	kind   eventKind
}

func (e event) before(o event) bool {
	return e.at < o.at || (e.at == o.at && e.seq < o.seq)
}

// eventQueue orders events on (at, seq). Ties break by insertion order, which
// makes a run a pure function of its seed.
//
// The fleet's first events (each client's start) are known up front: they
// wait in a sorted list, not in the heap, so the heap holds only the events
// of clients already running, and a fleet of a million that starts over an
// hour costs no million-entry heap.
//
// Events for a later time wait in a 4-ary min-heap (shallower than a binary
// heap, so a pop touches fewer cache lines). Events for the current time (an
// answer with no latency, a hop with no delay) go to a FIFO instead and skip
// the heap: they were pushed after every heap event of the same time, so
// taking the heap's first while it is due and then the FIFO keeps the order
// exact.
type eventQueue struct {
	startAt []time.Duration // when client i starts
	order   []int32         // the clients by start; nil when startAt is sorted
	started int             // starts popped
	heap    []event
	fifo    []event // events at time current, in insertion order
	head    int     // the next FIFO event
	current time.Duration
	next    uint64
}

func (q *eventQueue) Len() int {
	return len(q.startAt) - q.started + len(q.heap) + len(q.fifo) - q.head
}

// startAll schedules client i's start at startAt[i], for every client, as if
// pushed in client order on an empty queue.
func (q *eventQueue) startAll(startAt []time.Duration) {
	q.startAt, q.order, q.started = startAt, nil, 0
	q.next = uint64(len(startAt))
	if !slices.IsSorted(startAt) {
		q.order = make([]int32, len(startAt))
		for i := range q.order {
			q.order[i] = int32(i)
		}
		// Stable, so equal times keep client order, as their seq would.
		slices.SortStableFunc(q.order, func(a, b int32) int { return cmp.Compare(startAt[a], startAt[b]) })
	}
}

// nextStart is the earliest start not yet popped; there must be one.
func (q *eventQueue) nextStart() event {
	client := int32(q.started)
	if q.order != nil {
		client = q.order[q.started]
	}
	return event{at: q.startAt[client], seq: uint64(client), client: client, kind: evStart}
}

// Push schedules an event; at must not be before the last popped event's time.
func (q *eventQueue) Push(at time.Duration, kind eventKind, client int32) {
	e := event{at: at, seq: q.next, client: client, kind: kind}
	q.next++
	if at == q.current {
		q.fifo = append(growDoubling(q.fifo), e)
		return
	}
	q.heap = append(growDoubling(q.heap), e)
	q.up(len(q.heap) - 1)
}

// Pop removes and returns the earliest event. The queue must not be empty.
func (q *eventQueue) Pop() event {
	if q.started < len(q.startAt) {
		e := q.nextStart()
		if (q.head == len(q.fifo) || e.before(q.fifo[q.head])) && (len(q.heap) == 0 || e.before(q.heap[0])) {
			q.started++
			q.current = e.at
			return e
		}
	}
	if q.head < len(q.fifo) && (len(q.heap) == 0 || !q.heap[0].before(q.fifo[q.head])) {
		e := q.fifo[q.head]
		q.head++
		if q.head == len(q.fifo) {
			q.fifo, q.head = q.fifo[:0], 0
		}
		return e
	}
	h := q.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	q.heap = h[:last]
	if last > 0 {
		q.down(0)
	}
	if top.at != q.current {
		// Time moves on: the FIFO is empty here, since its events are due
		// before any later one.
		q.current = top.at
	}
	return top
}

func (q *eventQueue) up(i int) {
	h := q.heap
	e := h[i]
	for i > 0 {
		parent := (i - 1) / 4
		if !e.before(h[parent]) {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = e
}

func (q *eventQueue) down(i int) {
	h := q.heap
	n := len(h)
	e := h[i]
	for {
		first := 4*i + 1
		if first >= n {
			break
		}
		child := first
		for c := first + 1; c < min(first+4, n); c++ {
			if h[c].before(h[child]) {
				child = c
			}
		}
		if !h[child].before(e) {
			break
		}
		h[i] = h[child]
		i = child
	}
	h[i] = e
}

// growDoubling makes room for one more event, doubling a full slice's
// capacity: append grows large slices by only 1.25×, which copies a queue
// that grows to a fleet's size about five times over instead of twice.
func growDoubling(s []event) []event {
	if len(s) < cap(s) {
		return s
	}
	return slices.Grow(s, max(len(s), 64))
}
