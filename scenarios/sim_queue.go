package scenarios

import "time"

// eventKind says what a simulated event does when its time comes.
type eventKind uint8

const (
	evStart   eventKind = iota // a client starts a logical request, or its wait ends
	evArrive                   // an attempt (or its row read) reaches the server
	evRelease                  // the server is done with an admitted request
	evRespond                  // the client learns an attempt's outcome
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
// Events for a later time wait in a 4-ary min-heap (shallower than a binary
// heap, so a pop touches fewer cache lines). Events for the current time (an
// answer with no latency, a hop with no delay) go to a FIFO instead and skip
// the heap: they were pushed after every heap event of the same time, so
// taking the heap's first while it is due and then the FIFO keeps the order
// exact.
type eventQueue struct {
	heap    []event
	fifo    []event // events at time current, in insertion order
	head    int     // the next FIFO event
	current time.Duration
	next    uint64
}

func (q *eventQueue) Len() int { return len(q.heap) + len(q.fifo) - q.head }

// Push schedules an event; at must not be before the last popped event's time.
func (q *eventQueue) Push(at time.Duration, kind eventKind, client int32) {
	e := event{at: at, seq: q.next, client: client, kind: kind}
	q.next++
	if at == q.current {
		q.fifo = append(q.fifo, e)
		return
	}
	q.heap = append(q.heap, e)
	q.up(len(q.heap) - 1)
}

// Pop removes and returns the earliest event. The queue must not be empty.
func (q *eventQueue) Pop() event {
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
