package analysis

import (
	"math"
	"math/rand/v2"

	"github.com/chaos-harness/chaos/record"
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
	// The client's side (Record.SentMs, ReceivedMs): the first send, the last
	// receipt, and how many Records carried both.
	firstSent, lastGot float64
	clientTimed        int
	faults             map[string]int
	phases             map[string]*phaseSeen
	// The latest fault, and how many Records in a row had it since faults
	// last counted them (flushFaults): most Records have the fault of the
	// one before, and so need no map look-up. Likewise the latest phase.
	faultRun     string
	faultRunN    int
	lastPhase    string
	lastPhaseHas *phaseSeen

	requests requestIndex
	states   stateStore
	// identity numbers the Records with neither request id nor attempt
	// number; nil until the first of them.
	identity  *Identity
	byAttempt int // Records grouped by client and attempt number

	retries      []*retryStats
	unordered    int // retries that arrived before an earlier attempt of theirs
	overlapping  int // retries sent before the previous response had ended
	untracked    int // retries beyond maxTrackedRetry
	raRetries    int // retries that followed a Retry-After
	raViolations int // ... and arrived before it elapsed
	margins      marginAcc
	upstream     int // Records that reached the upstream (duplicate.go)
	// Layers (issue 14): the Records of the layers below layer 0, which
	// only these counts see.
	layers layerCounts
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
		firstSent:  math.Inf(1),
		faults:     map[string]int{},
		phases:     map[string]*phaseSeen{},
		margins:    marginAcc{sample: reservoir[float64]{size: o.SampleSize}},
	}
}

// add takes one validated Record; warmed, when not nil, is the key of its
// logical request, hashed already (Accumulator.Warm).
func (p *policyAcc) add(tl *timeline, rec *record.Record, conns *Connections, warmed *reqKey) {
	if headerless(rec) {
		if p.identity == nil {
			p.identity = NewIdentity(conns)
		}
		p.identity.Infer(rec)
	}
	ok := succeeded(rec)
	end := rec.TMs + rec.LatencyMs
	p.attempts++
	p.firstT = min(p.firstT, rec.TMs)
	p.lastT = max(p.lastT, rec.TMs)
	p.lastEnd = max(p.lastEnd, end)
	if rec.SentMs != nil && rec.ReceivedMs != nil {
		p.clientTimed++
		p.firstSent = min(p.firstSent, *rec.SentMs)
		p.lastGot = max(p.lastGot, *rec.ReceivedMs)
	}
	fault := rec.Fault
	if fault == "" {
		fault = "unknown"
	}
	if fault != p.faultRun {
		p.flushFaults()
		p.faultRun = fault
	}
	p.faultRunN++
	p.seePhase(rec)

	retry := false
	if rec.Request != "" {
		key := keyOrWarmed(rec.Client, rec.Request, warmed)
		i, found := p.requests.get(key)
		if !found {
			i = p.newLogical(key)
		}
		retry = p.attemptOf(p.states.at(i), rec, ok, end)
		p.states.at(i).seeEffect(rec)
	} else {
		// No request id: the attempt joins or starts its client's current
		// logical request by the rule of record.Continues.
		p.byAttempt++
		key := keyOrWarmed(rec.Client, "", warmed)
		i, found := p.requests.get(key)
		if !found || !record.Continues(rec.Attempt, int(p.states.at(i).attempt)) {
			i = p.newLogical(key)
		}
		retry = p.attemptOf(p.states.at(i), rec, ok, end)
		p.states.at(i).seeEffect(rec)
	}
	if rec.UpstreamStatus != 0 {
		p.upstream++
	}
	tl.add(p.bins, rec.TMs, ok, retry)
}

// keyOrWarmed is keyOf(client, request), or warmed, which Warm hashed from
// them.
func keyOrWarmed(client, request string, warmed *reqKey) reqKey {
	if warmed != nil {
		return *warmed
	}
	return keyOf(client, request)
}

// flushFaults adds the run of Records with the latest fault to faults.
func (p *policyAcc) flushFaults() {
	if p.faultRunN > 0 {
		p.faults[p.faultRun] += p.faultRunN
		p.faultRunN = 0
	}
}

func (p *policyAcc) newLogical(key reqKey) int32 {
	i := p.states.add()
	p.requests.set(key, i)
	return i
}

func (p *policyAcc) seePhase(rec *record.Record) {
	if rec.Phase == "" {
		return
	}
	ph := p.lastPhaseHas
	if ph == nil || rec.Phase != p.lastPhase {
		var found bool
		if ph, found = p.phases[rec.Phase]; !found {
			ph = &phaseSeen{first: rec.TMs, last: rec.TMs}
			p.phases[rec.Phase] = ph
		}
		p.lastPhase, p.lastPhaseHas = rec.Phase, ph
	}
	ph.first = min(ph.first, rec.TMs)
	ph.last = max(ph.last, rec.TMs)
	if scriptedFailure(rec) {
		ph.injected++
	}
}

// clientMakespan is from the first send to the last outcome received, when
// every Record said both; otherwise nil, with a note saying why.
func (p *policyAcc) clientMakespan(n *notes) *float64 {
	switch {
	case p.attempts == 0:
		n.add("%s: no attempt was sent, so client_makespan_ms is null", p.name)
	case p.clientTimed == 0:
		n.add("%s: the Records carry no client times (sent_ms, received_ms), as a log of `chaos serve` does not, so client_makespan_ms is null", p.name)
	case p.clientTimed < p.attempts:
		n.add("%s: only %d of %d Records carry client times (sent_ms, received_ms), so client_makespan_ms is null", p.name, p.clientTimed, p.attempts)
	default:
		return new(p.lastGot - p.firstSent)
	}
	return nil
}

// groupable reports whether the policy's attempts could be grouped into
// logical requests: always, unless header-less Records had to be grouped by
// inference and two of them on one key overlapped (Identity.Groupable).
// Amplification, the Retry-After figures and the herd figures are nil when
// not.
func (p *policyAcc) groupable() bool { return p.identity == nil || p.identity.Groupable() }
