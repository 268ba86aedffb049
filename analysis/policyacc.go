package analysis

import (
	"math"
	"math/rand/v2"

	"github.com/chaos-harness/chaos/faultserver"
)

// policyAcc accumulates one policy's Records.
type policyAcc struct {
	name       string
	rng        *rand.Rand
	sampleSize int
	raSlack    float64

	bins     *binCounts
	attempts int
	firstT   float64
	lastT    float64
	lastEnd  float64
	faults   map[string]int
	phases   map[string]*phaseSeen

	requests map[reqKey]int32
	states   stateStore
	// Attempts with neither request id nor attempt number: each is a logical
	// request of its own, finished on arrival.
	singles   []float64 // their completion times
	singlesOK int
	byAttempt int // Records grouped by client and attempt number

	retries      []*retryStats
	unordered    int // retries that arrived before an earlier attempt of theirs
	overlapping  int // retries sent before the previous response had ended
	untracked    int // retries beyond maxTrackedRetry
	raRetries    int // retries that followed a Retry-After
	raViolations int // ... and arrived before it elapsed
	margins      marginAcc
}

// phaseSeen is what the Records say about one phase.
type phaseSeen struct {
	first, last float64
	injected    int // attempts with a scripted failure
}

func newPolicyAcc(name string, tl *timeline, o *Options) *policyAcc {
	return &policyAcc{
		name:       name,
		rng:        o.Rand,
		sampleSize: o.SampleSize,
		raSlack:    ms(o.RetryAfterSlack),
		bins:       tl.newSeries(),
		firstT:     math.Inf(1),
		faults:     map[string]int{},
		phases:     map[string]*phaseSeen{},
		requests:   map[reqKey]int32{},
		margins:    marginAcc{sample: reservoir[float64]{size: o.SampleSize}},
	}
}

// add takes one validated Record.
func (p *policyAcc) add(tl *timeline, rec faultserver.Record) {
	ok := Succeeded(rec)
	end := rec.TMs + rec.LatencyMs
	p.attempts++
	p.firstT = min(p.firstT, rec.TMs)
	p.lastT = max(p.lastT, rec.TMs)
	p.lastEnd = max(p.lastEnd, end)
	fault := rec.Fault
	if fault == "" {
		fault = "unknown"
	}
	p.faults[fault]++
	p.seePhase(rec)

	retry := false
	switch {
	case rec.Request != "":
		key := keyOf(rec.Client, rec.Request)
		i, found := p.requests[key]
		if !found {
			i = p.newLogical(key)
		}
		retry = p.attemptOf(p.states.at(i), rec, ok, end)
	case rec.Attempt > 0:
		// No request id: a client's attempts 2, 3, ... join its current logical
		// request, and attempt 1 (or a number not above the last) starts one.
		p.byAttempt++
		key := keyOf(rec.Client, "")
		i, found := p.requests[key]
		if !found || int32(rec.Attempt) <= p.states.at(i).attempt {
			i = p.newLogical(key)
		}
		retry = p.attemptOf(p.states.at(i), rec, ok, end)
	default:
		p.singles = append(p.singles, rec.LatencyMs)
		if ok {
			p.singlesOK++
		}
	}
	tl.add(p.bins, rec.TMs, ok, retry)
}

func (p *policyAcc) newLogical(key reqKey) int32 {
	i := p.states.add()
	p.requests[key] = i
	return i
}

func (p *policyAcc) seePhase(rec faultserver.Record) {
	if rec.Phase == "" {
		return
	}
	ph, found := p.phases[rec.Phase]
	if !found {
		ph = &phaseSeen{first: rec.TMs, last: rec.TMs}
		p.phases[rec.Phase] = ph
	}
	ph.first = min(ph.first, rec.TMs)
	ph.last = max(ph.last, rec.TMs)
	if scriptedFailure(rec) {
		ph.injected++
	}
}
