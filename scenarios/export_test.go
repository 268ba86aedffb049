package scenarios

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
)

// SetLiveServerStarted sets the hook given each live run's fault server; nil
// removes it.
func SetLiveServerStarted(f func(*faultserver.Server)) { liveServerStarted = f }

// SetMemoryInUse replaces how a run measures its memory, and returns a
// function that puts the real measure back.
func SetMemoryInUse(f func() int64) (restore func()) {
	old := memoryInUse
	memoryInUse = f
	return func() { memoryInUse = old }
}

// QueueOrders plays the same workload through the simulator's event queue and
// through a reference queue (a list searched for its least (at, seq) on every
// pop, seq the insertion order), and returns both pop orders as
// "at/client/kind". The workload starts client i at starts[i]; each popped
// event of generation < 3 pushes two follow-ups, one at the current time and
// one a random delay later (up to 4 ms, or up to 2^40 ns when wide, so that
// events spread over many of the radix heap's buckets). An event's kind is
// its generation.
func QueueOrders(starts []time.Duration, seed uint64, wide bool) (got, want []string) {
	type refEvent struct {
		event
		seq uint64
	}
	run := func(push func(event), pop func() event, length func() int) []string {
		rng := rand.New(rand.NewPCG(seed, 0))
		var out []string
		for length() > 0 {
			e := pop()
			out = append(out, fmt.Sprintf("%d/%d/%d", e.at, e.client, e.kind))
			if g := e.kind; g < 3 {
				later := time.Duration(rng.IntN(5)) * time.Millisecond
				if wide {
					later = time.Duration(rng.Int64N(1 << 40))
				}
				for _, d := range []time.Duration{0, later} {
					push(event{at: e.at + d, client: e.client, kind: g + 1})
				}
			}
		}
		return out
	}
	var q eventQueue
	q.startAll(starts)
	got = run(func(e event) { q.Push(e.at, e.kind, e.client) }, q.Pop, q.Len)

	var list []refEvent
	for i, at := range starts {
		list = append(list, refEvent{event{at: at, client: int32(i), kind: evStart}, uint64(i)})
	}
	next := uint64(len(starts))
	want = run(func(e event) { list = append(list, refEvent{e, next}); next++ }, func() event {
		best := 0
		for i, e := range list {
			if b := list[best]; e.at < b.at || (e.at == b.at && e.seq < b.seq) {
				best = i
			}
		}
		e := list[best]
		list = append(list[:best], list[best+1:]...)
		return e.event
	}, func() int { return len(list) })
	return got, want
}

// RecordBufferOrder takes n slots of the simulator's record buffer, numbering
// each Record by its slot (in Attempt), and finishes them in an order drawn
// from seed, taking new slots in between while some are still pending. Even
// slots hold their Record from the start (add, then finish); odd ones are
// reserved and handed their Record when finished (put). It returns the
// Attempt numbers in the order the sink saw them, and the most Records the
// buffer held at once.
func RecordBufferOrder(n int, seed uint64) (order []int, held int) {
	return RecordBufferOrderFrom(0, n, seed)
}

// RecordBufferOrderFrom is RecordBufferOrder on a buffer whose first slot is
// number start (its Attempt numbers still count from 0), as in a run that
// has logged start Records already.
func RecordBufferOrderFrom(start uint64, n int, seed uint64) (order []int, held int) {
	var seen []int
	b := newRecordBuffer(func(r *pendingRecord) { seen = append(seen, int(r.attempt)) })
	b.first, b.head, b.next = start, start, start
	rng := rand.New(rand.NewPCG(seed, 1))
	var open []slotRef
	for taken := 0; taken < n || len(open) > 0; {
		if taken < n && (len(open) == 0 || rng.IntN(3) > 0) {
			if (start+uint64(taken))%2 == 0 {
				open = append(open, b.add(&pendingRecord{attempt: int32(taken)}))
			} else {
				open = append(open, b.reserve())
			}
			taken++
			continue
		}
		i := rng.IntN(len(open))
		if slot := open[i]; slot%2 == 0 { // a ref's parity is its number's
			b.finish(slot)
		} else {
			b.put(slot, &pendingRecord{attempt: int32(b.number(slot) - start)})
		}
		open = append(open[:i], open[i+1:]...)
		held = max(held, int(b.held.used)-len(b.held.free))
	}
	return seen, held
}

// RecordBufferHeld reserves n slots of a record buffer, puts their Records
// in slot order (or in reverse), and returns the most Records it held at
// once; it fails (returns -1) if the sink saw them out of slot order.
func RecordBufferHeld(n int, reverse bool) int {
	var seen []int32
	b := newRecordBuffer(func(r *pendingRecord) { seen = append(seen, r.attempt) })
	slots := make([]slotRef, n)
	for i := range slots {
		slots[i] = b.reserve()
	}
	if reverse {
		slices.Reverse(slots)
	}
	held := 0
	for _, slot := range slots {
		b.put(slot, &pendingRecord{attempt: int32(slot)})
		held = max(held, int(b.held.used)-len(b.held.free))
	}
	for i, a := range seen {
		if a != int32(i) {
			return -1
		}
	}
	if len(seen) != n {
		return -1
	}
	return held
}

// Unreachable says why a failed attempt could not connect, or "".
var Unreachable = unreachable

// Ledger is a run's bookkeeping (runLedger) with the clients it keeps,
// fed by hand.
type Ledger struct {
	l       *runLedger
	clients []clientLedger
}

// NewLedger is the ledger of policy's run of s with this many clients.
func NewLedger(s *Scenario, policy string, clients int) *Ledger {
	return &Ledger{l: newRunLedger(s, policy, newProgress(nil, 0)), clients: make([]clientLedger, clients)}
}

// SimEpoch is the instant scenario time 0 stands for on the run's clock.
var SimEpoch = simEpoch

// Event hands the ledger an event of client's policy.
func (t *Ledger) Event(client int, e resilience.Event) { t.l.event(&t.clients[client], &e) }

// BreakerObserver is the observer of client's policy for a driver that
// counts its calls itself.
func (t *Ledger) BreakerObserver(client int) resilience.Observer {
	return &breakerObserver{ledger: t.l, client: &t.clients[client]}
}

// CallEnded counts a call that ended at `at` with the final action how.
func (t *Ledger) CallEnded(at time.Duration, how resilience.Action, attempts int) {
	t.l.callEnded(at, how, attempts)
}

// ClientDone tells the ledger client is done, its breaker's open period
// ending at openUntil (zero: not open).
func (t *Ledger) ClientDone(client int, openUntil time.Time) {
	t.l.clientDone(&t.clients[client], openUntil)
}

// Logged logs a Record of client's logical request.
func (t *Ledger) Logged(client, logical int, at time.Duration, route, phase string) {
	t.l.logged(&t.clients[client], int32(logical), at, route, phase)
}

// PolicyRun is what the ledger reports.
func (t *Ledger) PolicyRun() PolicyRun { return t.l.policyRun() }

// PipeRecords hands n Records, whose TMs are 1 to n, through a recordPipe
// of at most lanes consumer goroutines to consumers, and returns what close
// returns.
func PipeRecords(lanes, n int, consumers ...func(*record.Record) error) error {
	stages := make([]pipeStage, len(consumers))
	for i, c := range consumers {
		stages[i] = pipeStage{consume: c}
	}
	p := newRecordPipeOn(lanes, stages...)
	for i := 1; i <= n; i++ {
		if err := p.add(&record.Record{TMs: float64(i)}); err != nil {
			break
		}
	}
	return p.close()
}

// ClientNames returns the key, the first request id and the id of logical
// request 3 of client numbers 1 to n, as the simulator names them.
func ClientNames(n int) (keys, firsts, thirds []string) {
	names := newClientNames(n)
	for i := 1; i <= n; i++ {
		keys = append(keys, names.key(int32(i)))
		firsts = append(firsts, names.firstRequest(int32(i)))
		thirds = append(thirds, names.request(int32(i), 3))
	}
	return keys, firsts, thirds
}
