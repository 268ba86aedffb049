package scenarios

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// A live fleet across hosts (issue 18): the fleet of a live run split into
// shards, each a process (on a host of its own) running the clients j with
// j mod N = I against one external fault server (chaos serve --fleet-shards
// N), which holds a barrier (faultserver/barrier.go) so that every policy's
// run starts on all shards together, at the server's t_ms 0. Each shard
// keeps what only the clients see (FleetPartial); MergeFleet joins the
// partials with the server's arrival log into the Run a single-host live
// run would have made. The fault decisions are drawn per client key from
// the server's seed, and the client keys are the global ones (c1 .. cN), so
// every count is the single-host run's; the latencies (and so anything
// timed) are those of the network between the hosts.

// FleetShard is one shard of a live fleet.
type FleetShard struct {
	// Index and Of: this shard runs the clients j (0-based) with
	// j mod Of = Index.
	Index, Of int
	// Server is the base URL of the external fault server (chaos serve
	// --fleet-shards Of).
	Server string
	// Token, when set, is sent as the admin API's bearer token.
	Token string
	// BarrierTimeout bounds each wait at the server's barrier; 0 waits
	// without bound.
	BarrierTimeout time.Duration
}

// owns reports whether client number i (0-based) is the shard's.
func (f *FleetShard) owns(i int) bool { return f == nil || i%f.Of == f.Index }

// FleetPartial is what a shard of a live fleet saw that the server's log
// cannot tell: per policy, how its calls ended, its breakers' open spans
// and each attempt as its client saw it.
type FleetPartial struct {
	Shard    int               `json:"shard"`
	Shards   int               `json:"shards"`
	Policies []FleetPolicyPart `json:"policies"`
}

// FleetPolicyPart is one policy's run on one shard.
type FleetPolicyPart struct {
	Name            string `json:"name"`
	LogicalRequests int64  `json:"logical_requests"`
	Succeeded       int64  `json:"succeeded"`
	Fallbacks       int64  `json:"fallbacks"`
	GaveUp          int64  `json:"gave_up"`
	Unsent          int64  `json:"unsent"`
	// ReleaseTMs is when the server released this policy's start barrier,
	// on its log's clock (t_ms): merge times the policy's Records from it.
	ReleaseTMs float64 `json:"release_t_ms"`
	// EndNs is when the shard's last logical request ended (scenario time,
	// nanoseconds from the release).
	EndNs int64 `json:"end_ns"`
	// BreakerOpen are the spans of each of its clients' open breakers, not
	// yet joined (nanoseconds).
	BreakerOpen []FleetSpan `json:"breaker_open,omitempty"`
	// Attempts are the attempts of its closed-loop clients as they saw them.
	Attempts []FleetAttempt `json:"attempts,omitempty"`
}

// FleetSpan is a span of scenario time in nanoseconds.
type FleetSpan struct {
	StartNs int64 `json:"start_ns"`
	EndNs   int64 `json:"end_ns"`
}

// FleetAttempt is an attempt as its client saw it: its outcome (a Record
// Outcome constant), when it was sent and when the client had the outcome.
type FleetAttempt struct {
	Request    string `json:"request"`
	Attempt    int    `json:"attempt"`
	Outcome    string `json:"outcome"`
	SentNs     int64  `json:"sent_ns"`
	ReceivedNs int64  `json:"received_ns"`
}

// FleetBarrierError is a shard's wait at the barrier that did not end in a
// release: the server refused the shard (a status and its message), or the
// barrier did not fill within FleetShard.BarrierTimeout.
type FleetBarrierError struct {
	Step, Policy string
	Status       int    // the server's refusal; 0 for a timeout
	Message      string // the server's message
	Timeout      time.Duration
	Arrived      int // shards at the barrier when this one gave up (-1: unknown)
	Shards       int
}

func (e *FleetBarrierError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("the fault server refused the barrier at the %s of policy %s (%d %s): %s",
			e.Step, e.Policy, e.Status, http.StatusText(e.Status), e.Message)
	}
	arrived := "an unknown number"
	if e.Arrived >= 0 {
		arrived = strconv.Itoa(e.Arrived)
	}
	return fmt.Sprintf("the barrier at the %s of policy %s did not fill within --barrier-timeout %v: %s of %d shards had arrived",
		e.Step, e.Policy, e.Timeout, arrived, e.Shards)
}

// FleetClock is the clock a fault server for a live fleet of s runs on: the
// live engine's, on which scenario time passes 1/clients.time_scale times
// as fast as real time, so the script's phases and delays pass as in a
// single-host live run. It reads the wall-clock time at its start (not
// simEpoch, as the in-process server's), so the log header's epoch is the
// real time of t_ms 0; the shards copy it at each release.
func FleetClock(s *Scenario) faultserver.Clock {
	now := time.Now()
	c := newScaledClock(s.Clients.Scale(), now)
	c.origin = now
	return c
}

// RunFleetShard runs shard sh's clients of the live fleet, one policy after
// another, each policy between two barriers at the external server, and
// returns what they saw. opts' engine is ignored (a fleet is live); its
// limits apply as to Run.
func (s *Scenario) RunFleetShard(ctx context.Context, opts Options, sh FleetShard) (*FleetPartial, error) {
	if sh.Of < 1 || sh.Index < 0 || sh.Index >= sh.Of {
		return nil, fmt.Errorf("fleet shard %d/%d: need 0 <= I < N", sh.Index, sh.Of)
	}
	opts.Engine = EngineLive
	if s.Downstream != nil {
		return nil, errLayersFleet
	}
	est, err := s.Estimate(opts)
	if err != nil {
		return nil, err
	}
	if err := est.Check(opts); err != nil {
		return nil, err
	}
	policies, _ := s.selectPolicies(opts.Policies)
	seed := s.SeedOf(opts)
	owned := 0
	for i := range s.Clients.ClientCount() {
		if sh.owns(i) {
			owned++
		}
	}
	share := int64(len(policies)) * s.logicalTotal(seed) * int64(owned) / int64(s.Clients.ClientCount())
	prog := newProgress(opts.Progress, share)
	ctx, release := guard(ctx, opts, prog)
	defer release()
	out := &FleetPartial{Shard: sh.Index, Shards: sh.Of}
	for _, pol := range policies {
		part, err := runFleetPolicy(ctx, s, pol, seed, &sh, prog)
		if err != nil {
			var limit *LimitError
			if errors.As(context.Cause(ctx), &limit) {
				return nil, fmt.Errorf("policy %s: %w", pol.Name, limit)
			}
			return nil, fmt.Errorf("policy %s: %w", pol.Name, err)
		}
		out.Policies = append(out.Policies, part)
	}
	return out, nil
}

// runFleetPolicy runs the shard's clients with one policy, from the start
// barrier's release to the end barrier's.
func runFleetPolicy(ctx context.Context, s *Scenario, pol Policy, seed uint64, sh *FleetShard, prog *progress) (FleetPolicyPart, error) {
	released, err := sh.barrier(ctx, faultserver.BarrierStart, pol.Name, seed)
	if err != nil {
		return FleetPolicyPart{}, err
	}
	// The clients' clock reads the server's from the release on (so an
	// HTTP-date Retry-After means the same to both); their times, which the
	// ledger takes since simEpoch, are then off by the server's time at the
	// release, taken off below: t_ms 0 is the release.
	clock := newScaledClock(s.Clients.Scale(), time.Now())
	clock.origin = time.Unix(0, released.ClockUnixNs).UTC()
	off := clock.origin.Sub(simEpoch)
	lr := &liveRun{s: s, pol: pol, cfg: effectiveConfig(pol.Config, s.Clients), seed: seed, url: strings.TrimSuffix(sh.Server, "/"),
		clock: clock, progress: prog, fleet: sh}
	lr.transport = &http.Transport{DisableKeepAlives: true, DisableCompression: true} // as runLive's, for the same reason
	lr.rowWrites = writesRow(s, s.Clients.HTTPMethod(), s.Clients.RequestPath())
	err = lr.runClients(ctx)
	lr.transport.CloseIdleConnections()
	if err != nil {
		return FleetPolicyPart{}, err
	}
	if _, err := sh.barrier(ctx, faultserver.BarrierEnd, pol.Name, seed); err != nil {
		return FleetPolicyPart{}, err
	}
	l := lr.ledger
	part := FleetPolicyPart{Name: pol.Name, LogicalRequests: l.logical, Succeeded: l.succeeded, Fallbacks: l.fallbacks,
		GaveUp: l.gaveUp, Unsent: l.unsent, EndNs: int64(max(0, l.end-off)), ReleaseTMs: released.ReleaseTMs}
	for _, iv := range l.breakers.raw {
		part.BreakerOpen = append(part.BreakerOpen, FleetSpan{StartNs: int64(iv.Start - off), EndNs: int64(iv.End - off)})
	}
	for _, c := range lr.clients {
		if c == nil {
			continue
		}
		for k, seen := range c.outcomes {
			part.Attempts = append(part.Attempts, FleetAttempt{Request: k.request, Attempt: k.attempt, Outcome: seen.outcome,
				SentNs: int64(seen.sent - off), ReceivedNs: int64(seen.received - off)})
		}
	}
	slices.SortFunc(part.Attempts, func(a, b FleetAttempt) int {
		return cmp.Or(cmp.Compare(a.Request, b.Request), cmp.Compare(a.Attempt, b.Attempt))
	})
	return part, nil
}

// barrier waits at the server's barrier for the step of policy until it is
// released, the server refuses, or BarrierTimeout passes.
func (sh *FleetShard) barrier(ctx context.Context, step, policy string, seed uint64) (faultserver.BarrierStatus, error) {
	body, _ := json.Marshal(faultserver.BarrierRequest{Shard: sh.Index, Shards: sh.Of, Step: step, Policy: policy, Seed: &seed})
	wait, cancel := context.WithCancel(ctx)
	defer cancel()
	type answer struct {
		resp *http.Response
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := sh.admin(wait, http.MethodPost, body)
		answered <- answer{resp, err}
	}()
	var timeout <-chan time.Time
	if sh.BarrierTimeout > 0 {
		t := time.NewTimer(sh.BarrierTimeout)
		defer t.Stop()
		timeout = t.C
	}
	var a answer
	select {
	case a = <-answered:
	case <-timeout:
		// Asked while this shard still waits there, so it counts itself.
		err := sh.timedOut(ctx, step, policy)
		cancel()
		if a = <-answered; a.err != nil || a.resp.StatusCode != http.StatusOK {
			if a.err == nil {
				a.resp.Body.Close()
			}
			return faultserver.BarrierStatus{}, err
		}
		// Released as it gave up: it goes on.
	}
	if a.err != nil {
		return faultserver.BarrierStatus{}, fmt.Errorf("the fault server's barrier at %s: %w", sh.Server, a.err)
	}
	resp := a.resp
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(msg, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(msg))
		}
		return faultserver.BarrierStatus{}, &FleetBarrierError{Step: step, Policy: policy, Status: resp.StatusCode, Message: e.Error, Shards: sh.Of}
	}
	var st faultserver.BarrierStatus
	if err := json.Unmarshal(msg, &st); err != nil || !st.Released {
		return st, fmt.Errorf("the fault server's barrier at %s answered %q, not a release", sh.Server, msg)
	}
	return st, nil
}

// timedOut is the error of a barrier that did not fill: it asks the server
// how many shards are there.
func (sh *FleetShard) timedOut(ctx context.Context, step, policy string) error {
	e := &FleetBarrierError{Step: step, Policy: policy, Timeout: sh.BarrierTimeout, Arrived: -1, Shards: sh.Of}
	ask, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := sh.admin(ask, http.MethodGet, nil)
	if err != nil {
		return e
	}
	defer resp.Body.Close()
	var st faultserver.BarrierStatus
	if resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&st) == nil && st.Step == step && st.Policy == policy {
		e.Arrived = st.Arrived
	}
	return e
}

// admin sends a request to the server's barrier endpoint.
func (sh *FleetShard) admin(ctx context.Context, method string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(sh.Server, "/")+"/_chaos/barrier", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if sh.Token != "" {
		req.Header.Set("Authorization", "Bearer "+sh.Token)
	}
	return http.DefaultClient.Do(req)
}

// MergeFleet joins the partials of every shard of a live fleet run with
// opts with the server's arrival log (read calls fn with each of its
// Records, in the log's order) into the Run a single-host live run would
// have made, and returns it with the Records as that run hands them to its
// sink: each policy's in acceptance order, with what their clients saw.
func (s *Scenario) MergeFleet(opts Options, parts []*FleetPartial, read func(fn func(record.Record) error) error) (*Run, []record.Record, error) {
	policies, err := s.selectPolicies(opts.Policies)
	if err != nil {
		return nil, nil, err
	}
	byPolicy := map[string][]record.Record{}
	unlabelled := 0
	rowWrites := writesRow(s, s.Clients.HTTPMethod(), s.Clients.RequestPath())
	err = read(func(r record.Record) error {
		if r.Policy == "" {
			unlabelled++
			return nil
		}
		if rowWrites && r.Method == http.MethodGet {
			return nil // a row read: free in the contention model, as runLive drops it
		}
		byPolicy[r.Policy] = append(byPolicy[r.Policy], r)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if unlabelled > 0 {
		return nil, nil, fmt.Errorf("%d Records of the log were accepted outside the fleet's barriers (no policy): give the log of the chaos serve --fleet-shards the shards ran against", unlabelled)
	}
	for name := range byPolicy {
		if !slices.ContainsFunc(policies, func(p Policy) bool { return p.Name == name }) {
			return nil, nil, fmt.Errorf("the log holds Records of policy %q, which the shards did not run", name)
		}
	}
	run := &Run{Scenario: s.Name, Engine: EngineLive, Seed: s.SeedOf(opts), Info: s.Describe(policies), Text: string(s.Source),
		RetryWindow: opts.RetryWindow, Capacity: s.AnalysisCapacity()}
	var all []record.Record
	for i, pol := range policies {
		pr, recs, err := mergeFleetPolicy(s, pol, i, parts, byPolicy[pol.Name])
		if err != nil {
			return nil, nil, err
		}
		run.Policies = append(run.Policies, pr)
		all = append(all, recs...)
	}
	return run, all, nil
}

// mergeFleetPolicy is policy pol's (the i-th run) PolicyRun and Records, as
// liveRun.finish makes them from one process's clients.
func mergeFleetPolicy(s *Scenario, pol Policy, i int, parts []*FleetPartial, recs []record.Record) (PolicyRun, []record.Record, error) {
	ledger := newRunLedger(s, pol.Name, nil)
	seen := map[attemptKey]attemptSeen{}
	for _, p := range parts {
		if i >= len(p.Policies) || p.Policies[i].Name != pol.Name {
			return PolicyRun{}, nil, fmt.Errorf("shard %d/%d did not run policy %s as the run's policy %d", p.Shard, p.Shards, pol.Name, i+1)
		}
		pp := &p.Policies[i]
		if pp.ReleaseTMs != parts[0].Policies[i].ReleaseTMs {
			return PolicyRun{}, nil, fmt.Errorf("shards %d and %d were released at different times for policy %s (t_ms %v and %v): not one fleet run",
				parts[0].Shard, p.Shard, pol.Name, parts[0].Policies[i].ReleaseTMs, pp.ReleaseTMs)
		}
		ledger.logical += pp.LogicalRequests
		ledger.succeeded += pp.Succeeded
		ledger.fallbacks += pp.Fallbacks
		ledger.gaveUp += pp.GaveUp
		ledger.unsent += pp.Unsent
		ledger.end = max(ledger.end, time.Duration(pp.EndNs))
		for _, sp := range pp.BreakerOpen {
			ledger.breakers.raw = append(ledger.breakers.raw, analysis.Interval{Start: time.Duration(sp.StartNs), End: time.Duration(sp.EndNs)})
		}
		for _, a := range pp.Attempts {
			seen[attemptKey{a.Request, a.Attempt}] = attemptSeen{outcome: a.Outcome, sent: time.Duration(a.SentNs), received: time.Duration(a.ReceivedNs)}
		}
	}
	if len(parts) > 0 && i < len(parts[0].Policies) {
		release := parts[0].Policies[i].ReleaseTMs
		for j := range recs {
			// t_ms 0 at the policy's release, as a single-host run's, to the
			// nanosecond the server's times have.
			recs[j].TMs = math.Round((recs[j].TMs-release)*1e6) / 1e6
		}
	}
	slices.SortStableFunc(recs, func(a, b record.Record) int { return cmp.Compare(a.TMs, b.TMs) })
	byKey := map[string]*liveClient{}
	for j := range s.Clients.ClientCount() {
		key := "c" + strconv.Itoa(j+1)
		byKey[key] = &liveClient{key: key}
	}
	for j := range recs {
		r := &recs[j]
		if a, found := seen[attemptKeyOf(r)]; found && byKey[r.Client] != nil {
			r.Outcome = a.outcome
			r.SentMs, r.ReceivedMs = new(record.Millis(a.sent)), new(record.Millis(a.received))
		}
	}
	lr := &liveRun{s: s, pol: pol, ledger: ledger}
	lr.logRecords(recs, byKey)
	pr := ledger.policyRun()
	pr.ExpectedDelay = expectedDelay(pol.Config)
	return pr, recs, nil
}
