package faultserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/chaos-harness/chaos/record"
)

// A live fleet across hosts (chaos serve --fleet-shards N, chaos run
// --clients I/N): N client processes run their shares of one fleet against
// this server, one policy after another. For each policy they meet twice at
// the server's barrier, POST /_chaos/barrier:
//
//   - step "start": when all N have arrived, the server starts the script
//     again (Reset: its first phase, fresh client state, t_ms 0 at the
//     release) and labels every Record of the requests it then accepts with
//     the policy (Record.Policy), and releases the N together;
//   - step "end": when all N have finished their clients, the server waits
//     for the requests still in flight to be logged (at most
//     barrierDrainLimit), then releases them.
//
// So the one arrival log holds every policy's Records on one clock, each
// policy's from its own t_ms 0, told apart by their policy.

// BarrierRequest is the body of POST /_chaos/barrier.
type BarrierRequest struct {
	// Shard is the client shard's index, 0 <= Shard < Shards.
	Shard int `json:"shard"`
	// Shards is how many shards the client was told make the fleet; it must
	// be the server's --fleet-shards.
	Shards int `json:"shards"`
	// Step is BarrierStart or BarrierEnd.
	Step string `json:"step"`
	// Policy names the policy whose run starts or ends.
	Policy string `json:"policy"`
	// Seed, when set, must be the server's seed: the shards' fleet starts and
	// policies draw from it as the server's faults do.
	Seed *uint64 `json:"seed,omitempty"`
}

// Barrier steps.
const (
	BarrierStart = "start" // a policy's run starts: reset, release together
	BarrierEnd   = "end"   // a policy's run ended: drain, release together
)

// BarrierStatus is the answer of the barrier endpoint: GET /_chaos/barrier
// at any time, POST once the barrier is released.
type BarrierStatus struct {
	Shards   int    `json:"shards"`
	Arrived  int    `json:"arrived"`
	Step     string `json:"step,omitempty"`
	Policy   string `json:"policy,omitempty"`
	Released bool   `json:"released,omitempty"`
	// Passed counts the barriers released since the server started.
	Passed int `json:"passed"`
	// ClockUnixNs is the server's clock (Options.Clock) at the release, in
	// a released POST's answer: the shards set their clocks to it, so an
	// HTTP-date Retry-After reads alike on both sides.
	ClockUnixNs int64 `json:"clock_unix_ns,omitempty"`
	// ReleaseTMs is the release's time in the server's log (its t_ms),
	// in a released POST's answer: a policy's Records are timed from it.
	ReleaseTMs float64 `json:"release_t_ms,omitempty"`
}

// barrierDrainLimit bounds how long an end barrier waits for the requests
// in flight (real time): a hang whose client has gone ends with its
// connection, so they are normally over at once.
const barrierDrainLimit = 10 * time.Second

// fleetBarrier is the server's barrier for Options.FleetShards shards.
type fleetBarrier struct {
	mu      sync.Mutex
	shards  int
	step    string // of the barrier filling now; "" when none is
	policy  string
	arrived map[int]bool
	release chan struct{} // closed when the barrier filling now is released
	passed  int
	clock   time.Time     // the server's clock at the last release
	at      time.Duration // and the time since the server's start (its log's t_ms)
}

func (s *Server) adminBarrier(w http.ResponseWriter, r *http.Request) {
	b := &s.barrier
	if b.shards == 0 {
		writeJSON(w, http.StatusConflict, map[string]string{"error": "this server holds no fleet barrier: start it with chaos serve --fleet-shards N"})
		return
	}
	var req BarrierRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "barrier request: " + err.Error()})
		return
	}
	if status, msg := s.barrierRefusal(&req); status != 0 {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	release, status, msg := b.arrive(s, &req)
	if status != 0 {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	select {
	case <-release:
		st := b.status()
		st.Released, st.Step, st.Policy, st.Arrived = true, req.Step, req.Policy, b.shards
		b.mu.Lock()
		st.ClockUnixNs, st.ReleaseTMs = b.clock.UnixNano(), record.Millis(b.at) // the next release needs this shard again
		b.mu.Unlock()
		writeJSON(w, http.StatusOK, st)
	case <-r.Context().Done():
		b.withdraw(req.Shard, release) // the shard gave up: it may come again
	case <-s.ctx.Done():
		b.withdraw(req.Shard, release)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "the fault server is stopping"})
	}
}

func (s *Server) adminBarrierStatus(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.barrier.status())
}

// barrierRefusal checks a request on its own: 400 for a malformed one, 409
// for one of another fleet.
func (s *Server) barrierRefusal(req *BarrierRequest) (int, string) {
	n := s.barrier.shards
	switch {
	case req.Step != BarrierStart && req.Step != BarrierEnd:
		return http.StatusBadRequest, fmt.Sprintf("step %q: use %q or %q", req.Step, BarrierStart, BarrierEnd)
	case req.Policy == "":
		return http.StatusBadRequest, "policy: name the policy whose run starts or ends"
	case req.Shards != n:
		return http.StatusConflict, fmt.Sprintf("shards %d: this server waits for %d shards (chaos serve --fleet-shards %d)", req.Shards, n, n)
	case req.Shard < 0 || req.Shard >= n:
		return http.StatusBadRequest, fmt.Sprintf("shard %d is out of range: the shards are 0 to %d", req.Shard, n-1)
	case req.Seed != nil && *req.Seed != s.opts.Seed:
		return http.StatusConflict, fmt.Sprintf("seed %d: this server's faults are drawn with seed %d; run the shards with --seed %d", *req.Seed, s.opts.Seed, s.opts.Seed)
	}
	return 0, ""
}

// arrive registers a shard at the barrier filling now (or opens it), and
// returns the channel its release closes. The last shard to arrive releases
// it, after the step's work.
func (b *fleetBarrier) arrive(s *Server, req *BarrierRequest) (<-chan struct{}, int, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.step == "" {
		b.step, b.policy, b.arrived, b.release = req.Step, req.Policy, map[int]bool{}, make(chan struct{})
	}
	if req.Step != b.step || req.Policy != b.policy {
		return nil, http.StatusConflict, fmt.Sprintf("shard %d is at the %s of policy %q, but the barrier filling now is the %s of policy %q (%d of %d shards there)",
			req.Shard, req.Step, req.Policy, b.step, b.policy, len(b.arrived), b.shards)
	}
	if b.arrived[req.Shard] {
		return nil, http.StatusConflict, fmt.Sprintf("shard %d has already arrived at the %s of policy %q: each shard index once", req.Shard, b.step, b.policy)
	}
	b.arrived[req.Shard] = true
	release := b.release
	if len(b.arrived) == b.shards {
		if b.step == BarrierStart {
			s.resetFor(b.policy)
		} else {
			s.drain(barrierDrainLimit)
		}
		b.passed++
		b.clock, b.at = s.now(), s.elapsed()
		b.step, b.policy, b.arrived = "", "", nil
		close(release)
	}
	return release, 0, ""
}

// withdraw takes back the arrival of a shard that gave up waiting, unless
// the barrier was released meanwhile.
func (b *fleetBarrier) withdraw(shard int, release <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.release == release && b.arrived != nil {
		delete(b.arrived, shard)
		if len(b.arrived) == 0 {
			b.step, b.policy, b.arrived = "", "", nil
		}
	}
}

func (b *fleetBarrier) status() BarrierStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	return BarrierStatus{Shards: b.shards, Arrived: len(b.arrived), Step: b.step, Policy: b.policy, Passed: b.passed}
}

// resetFor starts the script again as Reset does, labelling the Records of
// the requests accepted from now on with policy.
func (s *Server) resetFor(policy string) {
	fresh, err := s.Script().Fresh()
	if err != nil { // the script compiled before; Fresh compiles it again
		fresh = s.Script()
	}
	s.state.Store(&scriptState{script: fresh, epoch: s.elapsed(), fleetPolicy: policy})
}

// drain waits, at most limit, until no request is in flight.
func (s *Server) drain(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for s.inFlight.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}
