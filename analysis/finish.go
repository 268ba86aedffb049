package analysis

import (
	"cmp"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// policyData is a finished policy: its result and what comparisons need.
type policyData struct {
	result     PolicyResult
	completion []float64 // sorted
	rate       []int     // rate bins
}

// cdfPoints bounds the points kept of each CDF curve.
const cdfPoints = 200

func (a *Accumulator) finishPolicy(p *policyAcc, g grid, spans []PhaseSpan, n *notes) *policyData {
	p.flushFaults()
	r := PolicyResult{
		Name:               p.name,
		Attempts:           p.attempts,
		RetryAfterMarginMs: p.margins.result(),
		Faults:             p.faults,
		FirstMs:            p.firstT,
		LastMs:             p.lastT,
		MakespanMs:         p.lastEnd - p.firstT,
		ClientMakespanMs:   p.clientMakespan(n),
	}
	raRetries, raViolations := p.raRetries, p.raViolations
	r.RetryAfterRetries, r.RetryAfterViolations = &raRetries, &raViolations

	// Logical requests.
	p.requests = requestIndex{} // no more Records: let the index go before sorting
	completion := make([]float64, 0, p.states.len())
	perAttempts := map[int]int{}
	for i := range p.states.len() {
		s := p.states.at(int32(i))
		completion = append(completion, s.completion())
		perAttempts[int(s.attempts)]++
		if s.succeeded {
			r.Succeeded++
		}
	}
	// Requests refused before any attempt fail, and took no time to decide.
	r.DuplicateEffects, r.UnsafeDuplicateEffects = p.duplicateEffects(n)
	r.Unsent, r.Unreached = a.opts.Unsent[p.name], a.opts.Unreached[p.name]
	if r.Unsent+r.Unreached > 0 {
		perAttempts[0] = r.Unsent + r.Unreached
	}
	r.FallbackServed = a.opts.FallbackServed[p.name]
	if h, ok := a.opts.Hedges[p.name]; ok {
		r.Hedges = &h
	}
	if n, ok := a.opts.Replacements[p.name]; ok {
		r.Replacements = &n
	}
	r.LogicalRequests = len(completion) + r.Unsent + r.Unreached
	r.SuccessRate = float64(r.Succeeded) / float64(r.LogicalRequests)
	lo, hi := Wilson(r.Succeeded, r.LogicalRequests, Z95)
	r.SuccessRateCI = [2]float64{lo, hi}
	if p.groupable() {
		amplification := float64(r.Attempts) / float64(r.LogicalRequests)
		r.Amplification = &amplification
	} else {
		r.RetryAfterRetries, r.RetryAfterViolations, r.RetryAfterMarginMs = nil, nil, nil
	}
	for _, k := range sortedKeys(perAttempts) {
		r.AttemptsPerRequest = append(r.AttemptsPerRequest, AttemptCount{Attempts: k, Requests: perAttempts[k]})
	}
	slices.Sort(completion)
	r.CompletionMs = quantiles(completion)
	r.Series.Completion = ecdf(completion)

	// Time.
	rate := g.rateBins(p.bins.arrivals)
	r.Series.Arrivals = rate
	r.Series.Succeeded = g.rateBins(p.bins.succeeded)
	r.PeakToMean, r.CV = peakToMean(rate)
	r.MaxWindowArrivals = maxWindow(p.bins.arrivals, g.windowBins)
	r.Series.Retries = g.rateBins(p.bins.retries)
	h := herdOf(p, g, a.opts.Capacity, n)
	r.RetryMaxWindow, r.RetryPeakRate, r.PeakToCapacity = h.maxWindow, h.peakRate, h.peakToCapacity
	r.Recovery = recoveries(p.bins, g, spans, p.name, a.opts.RecoveryThreshold)
	r.TimeToRecoverMs = worstRecovery(r.Recovery, p.name, p.lastT, n)
	if p.attempts == 0 { // every request was refused: no time span at all
		r.FirstMs, r.LastMs, r.MakespanMs = 0, 0, 0
	}
	if iv, given := a.opts.BreakerOpen[p.name]; given && p.attempts > 0 {
		share := openShare(iv, p.firstT, p.lastEnd)
		r.BreakerOpenShare = &share
	}

	// Retries.
	if p.groupable() {
		r.RetryDelays, r.RetrySpread = a.retryResults(p, n)
	} else { // which attempt is whose retry cannot be told: no retry has a number
		r.RetryDelays, r.RetrySpread = []RetryDelay{}, []RetrySpread{}
	}
	switch m := r.RetryAfterMarginMs; {
	case m == nil && p.attempts > 0:
		n.add("%s: no retry followed a Retry-After, so retry_after_margin_ms is null", p.name)
	case m != nil && m.Sampled:
		n.add("%s: %d retries followed a Retry-After; the quantiles of retry_after_margin_ms rest on a seeded sample of %d (count, min and the early counts are exact)", p.name, m.Count, a.opts.SampleSize)
	}
	p.explain(n)
	explainUnsent(&r, n)
	r.Layers = p.layers.figures(&r)
	return &policyData{result: r, completion: completion, rate: rate}
}

// quantiles of sorted values (gonum's stat.Empirical: the inverse of the
// empirical CDF).
func quantiles(sorted []float64) Quantiles {
	if len(sorted) == 0 {
		return Quantiles{}
	}
	return Quantiles{P50: quantileOf(sorted, 0.5), P90: quantileOf(sorted, 0.9), P99: quantileOf(sorted, 0.99), Max: sorted[len(sorted)-1]}
}

// quantileOf is the empirical p-quantile of sorted, non-empty values.
func quantileOf(sorted []float64, p float64) float64 {
	return stat.Quantile(p, stat.Empirical, sorted, nil)
}

// ecdf returns at most cdfPoints points of the empirical CDF of sorted
// values: (x_(i), i/n) at evenly spaced ranks, always including the last.
func ecdf(sorted []float64) []Point {
	n := len(sorted)
	pts := []Point{}
	if n == 0 {
		return pts
	}
	step := max(1, n/cdfPoints)
	for i := step - 1; i < n; i += step {
		pts = append(pts, Point{X: sorted[i], Y: float64(i+1) / float64(n)})
	}
	if pts[len(pts)-1].Y != 1 {
		pts = append(pts, Point{X: sorted[n-1], Y: 1})
	}
	return pts
}

// worstRecovery is the longest time to recover, nil if a fault phase never
// recovered or there was none.
func worstRecovery(rs []Recovery, policy string, lastT float64, n *notes) *float64 {
	if len(rs) == 0 {
		n.add("%s: no fault phase, so no time to recover", policy)
		return nil
	}
	worst := 0.0
	for _, r := range rs {
		if r.TimeToRecoverMs == nil {
			if r.EndMs >= lastT {
				n.add("%s: the run ended in fault phase %q, so there was nothing to recover into", policy, r.Phase)
			} else {
				n.add("%s: the success rate never came back to the threshold after phase %q", policy, r.Phase)
			}
			return nil
		}
		worst = math.Max(worst, *r.TimeToRecoverMs)
	}
	return &worst
}

// openShare is the share of [from, to] covered by the union of the intervals.
func openShare(ivs []Interval, from, to float64) float64 {
	if to <= from {
		return 0
	}
	spans := make([][2]float64, 0, len(ivs))
	for _, iv := range ivs {
		s, e := math.Max(ms(iv.Start), from), math.Min(ms(iv.End), to)
		if e > s {
			spans = append(spans, [2]float64{s, e})
		}
	}
	slices.SortFunc(spans, func(x, y [2]float64) int { return cmp.Compare(x[0], y[0]) })
	var covered, reach float64 = 0, from
	for _, sp := range spans {
		s := math.Max(sp[0], reach)
		if sp[1] > s {
			covered += sp[1] - s
		}
		reach = math.Max(reach, sp[1])
	}
	return covered / (to - from)
}

func sortedKeys(m map[int]int) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// explain notes how the policy's Records were grouped and timed.
func (p *policyAcc) explain(n *notes) {
	if p.identity != nil {
		p.identity.notes(p.name, n)
	}
	if p.byAttempt > 0 {
		n.add("%s: %d attempts carried no request id, so logical requests were formed per client by attempt number (attempt 1 starts one)", p.name, p.byAttempt)
	}
	if p.unordered > 0 {
		n.add("%s: %d retries arrived in the log before an earlier attempt of theirs; they count, but are not timed", p.name, p.unordered)
	}
	if p.overlapping > 0 {
		n.add("%s: %d retries arrived before the server finished the previous attempt (a retry after the client gave up on it, or a hedge sent beside it); their delays are left out", p.name, p.overlapping)
	}
	if p.untracked > 0 {
		n.add("%s: %d retries beyond retry %d count everywhere but have no delay or spread statistics of their own", p.name, p.untracked, maxTrackedRetry)
	}
}

// explainUnsent notes the logical requests that only the runner could count.
func explainUnsent(r *PolicyResult, n *notes) {
	if r.Unsent > 0 {
		n.add("%s: %d logical requests were refused before any attempt (an open breaker, the rate limit or the retry budget); they count as failed logical requests, with no completion time", r.Name, r.Unsent)
	}
	if r.Unreached > 0 {
		n.add("%s: %d logical requests were sent but none of their attempts reached the server's log (the client gave up, or its connection failed, before the server read the request); they count as failed logical requests, with no completion time", r.Name, r.Unreached)
	}
	if r.FallbackServed > 0 {
		n.add("%s: %d failed logical requests were answered by the fallback (fallback_served); success_rate counts them as failures", r.Name, r.FallbackServed)
	}
	if failed := r.LogicalRequests - r.Succeeded; r.FallbackServed > failed {
		n.add("%s: the runner reports %d logical requests answered by the fallback, more than the %d that failed by the Records", r.Name, r.FallbackServed, failed)
	}
}
