package faultserver

import (
	"container/heap"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/chaos-harness/chaos/problem"
	"github.com/chaos-harness/chaos/record"
)

// QueueSpec is a first-come-first-served queue in front of the service
// (`server.queue`): Workers serve one request each at a time, the others
// wait in arrival order. A served request (one that draws no fault, or only
// a delay) takes a worker for its whole hold (delay and service time); a
// fault is answered on arrival, without a worker.
type QueueSpec struct {
	// Workers is the number of requests served at once; 0 means 1.
	Workers int `yaml:"workers,omitempty"`
	// Limit is the most requests waiting for a worker; 0 means unbounded. A
	// request that finds every worker busy and Limit waiting is refused as
	// overload, as the capacity model refuses (its status and Retry-After).
	Limit int `yaml:"limit,omitempty"`
}

func (q *QueueSpec) problems(path string, p *problem.List) {
	if q.Workers < 0 {
		p.Add(path+".workers", "must be at least 1, got %d", q.Workers)
	}
	if q.Limit < 0 {
		p.Add(path+".limit", "must be 0 (unbounded) or more, got %d", q.Limit)
	}
}

// Queue is the compiled QueueSpec, on explicit time (elapsed since the script
// began), so the live server and the simulator drive one type. Requests are
// scheduled when they arrive, in arrival order: first come first served, a
// request's start is when the first of the workers is free, which is known
// then, since every earlier request already holds its place. A request whose
// client gives up while it waits (RequestInfo.Deadline) leaves the queue
// then under abandoned: cancel, and takes no worker; one that gives up in
// service frees its worker then. Under abandoned: finish (or when the
// deadline is unknown) the work is done whole. It is safe for concurrent use.
type Queue struct {
	mu       sync.Mutex
	free     durationHeap // when each worker is next free
	waiting  durationHeap // when each request still waiting leaves the queue
	reserved int          // places taken by Admit for a request not yet scheduled
	limit    int
	cancel   bool
}

// NewQueue builds the queue of a validated spec; cancel says abandoned work
// stops (ServiceSpec.Abandoned).
func NewQueue(spec QueueSpec, cancel bool) *Queue {
	q := &Queue{free: make(durationHeap, max(spec.Workers, 1)), limit: spec.Limit, cancel: cancel}
	return q
}

// admit takes a place for a request arriving at now, or reports that the
// queue is full: every worker busy and limit requests waiting. A place taken
// must be given back by schedule or unreserve.
func (q *Queue) admit(now time.Duration) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.leave(now)
	if q.limit > 0 && q.free[0] > now && len(q.waiting)+q.reserved >= q.limit {
		return false
	}
	q.reserved++
	return true
}

// unreserve gives back the place of a request that is not served (it drew
// a fault).
func (q *Queue) unreserve() {
	q.mu.Lock()
	q.reserved--
	q.mu.Unlock()
}

// schedule gives the request admitted at now its worker, for hold, and
// returns how long it waits for it. leave is when its client gives up (0:
// unknown).
func (q *Queue) schedule(now, hold, leave time.Duration) time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.reserved--
	q.leave(now)
	start := max(now, q.free[0])
	if q.cancel && leave > 0 && leave <= start {
		// Its client is gone before its turn: it leaves the queue then and
		// never takes a worker. Its wait is cut by that deadline.
		if leave > now {
			heap.Push(&q.waiting, leave)
		}
		return start - now
	}
	end := start + hold
	if q.cancel && leave > 0 && leave < end {
		end = leave
	}
	q.free[0] = end
	heap.Fix(&q.free, 0)
	if start > now {
		heap.Push(&q.waiting, start)
	}
	return start - now
}

// leave drops the requests that left the queue by now; the caller holds mu.
func (q *Queue) leave(now time.Duration) {
	for len(q.waiting) > 0 && q.waiting[0] <= now {
		heap.Pop(&q.waiting)
	}
}

// Waiting is the number of requests waiting for a worker at now.
func (q *Queue) Waiting(now time.Duration) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.leave(now)
	return len(q.waiting)
}

// durationHeap is a min-heap of instants (container/heap).
type durationHeap []time.Duration

func (h durationHeap) Len() int           { return len(h) }
func (h durationHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h durationHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *durationHeap) Push(x any)        { *h = append(*h, x.(time.Duration)) }
func (h *durationHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// FinishesAbandoned reports whether the script keeps working on a request
// whose client gave up (service.abandoned: finish): its slot is then held
// until its hold is over, not until the client went.
func (s *Script) FinishesAbandoned() bool { return s.service.finish }

// abandonedRest is how much longer the server goes on with a request
// admitted at `at` whose handler ended at end, under abandoned: finish: what
// remained of its hold (queue wait, delay and service time) when its client
// went away; 0 when it ended its hold, or the script cancels abandoned work.
func (s *Script) abandonedRest(d *Plan, at, end time.Duration) time.Duration {
	if !s.service.finish {
		return 0
	}
	return max(0, at+d.Delay-end)
}

// endLater ends ticket t after rest on the server's clock, at elapsed end
// (script time): the work of a client that left goes on without a handler.
func (s *Server) endLater(t Ticket, rest, end time.Duration) {
	done := func() { t.End(end) }
	if s.opts.Clock == nil {
		time.AfterFunc(rest, done)
		return
	}
	s.opts.Clock.AfterFunc(rest, done)
}

// deadlineOf is when the client of r, admitted at `at` (script time), stops
// waiting for it, from its X-Chaos-Timeout; 0 when it does not say.
func deadlineOf(r *http.Request, at time.Duration) time.Duration {
	v := headerValue(r.Header, record.HeaderTimeout)
	if v == "" {
		return 0
	}
	ms, err := strconv.ParseFloat(v, 64)
	if err != nil || !(ms > 0) || ms > float64(math.MaxInt64/2)/1e6 {
		return 0
	}
	return at + time.Duration(ms*float64(time.Millisecond))
}
