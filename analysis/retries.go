package analysis

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// retryResults turns each retry number's statistics into results, testing the
// delays against the expected distribution where one was given.
func (a *Accumulator) retryResults(p *policyAcc, n *notes) ([]RetryDelay, []RetrySpread) {
	// Each retry number's figures are its own (sorts of its samples, a KS
	// test; most of finishing a herd's analysis), so they are worked out on
	// a goroutine per core and gathered in order, the notes too: the result
	// is the one a loop over them gives.
	type retryResult struct {
		spread *RetrySpread
		delay  *RetryDelay
		notes  notes
	}
	out := make([]retryResult, len(p.retries))
	forEach(len(p.retries), func(i int) {
		r := &out[i]
		r.spread, r.delay = a.retryResult(p, i+1, &r.notes)
	})
	delays, spreads := []RetryDelay{}, []RetrySpread{}
	for i := range out {
		r := &out[i]
		for _, s := range r.notes.items {
			n.add("%s", s)
		}
		if r.spread != nil {
			spreads = append(spreads, *r.spread)
		}
		if r.delay != nil {
			delays = append(delays, *r.delay)
		}
	}
	return delays, spreads
}

// retryResult is one retry number's spread and delays, nil when it has
// none; it may run beside the other retry numbers' (retryResults).
func (a *Accumulator) retryResult(p *policyAcc, retry int, n *notes) (*RetrySpread, *RetryDelay) {
	rs := p.retries[retry-1]
	if rs.time.n == 0 {
		return nil, nil
	}
	if rs.delays.sampled() || rs.times.sampled() {
		n.add("%s: retry %d was seen %d times; its quantiles, CDF and KS test rest on a seeded sample of %d", p.name, retry, rs.time.n, a.opts.SampleSize)
	}
	spread := spreadOf(retry, rs)
	if rs.delay.n == 0 {
		return &spread, nil
	}
	all, free := delaySamples(rs, func(d delaySample) float64 { return d.ms })
	rd := RetryDelay{
		Retry:           retry,
		Count:           rs.delay.n,
		Mean:            rs.delay.mean,
		Delay:           quantiles(all),
		AfterRetryAfter: rs.afterRA,
		Measured:        MeasuredServerGap,
		Exact:           []Point{},
		Sampled:         rs.delays.sampled(),
	}
	rd.Delay.Max = rs.delay.max // exact, even when sampled
	top := rs.delay.max
	if rs.sleep.n == rs.delay.n { // every delay has the client's sleep: test that
		var sleeps []float64
		sleeps, free = delaySamples(rs, func(d delaySample) float64 { return d.sleep })
		q := quantiles(sleeps)
		q.Max = rs.sleep.max
		rd.Sleep, rd.Measured, top = &q, MeasuredClientSleep, rs.sleep.max
	}
	rd.CDF = ecdf(free)
	if expected := a.opts.ExpectedDelay[p.name]; expected != nil {
		if cdf := expected(retry); cdf != nil && len(free) > 0 {
			if ks, err := KSTestLattice(free, cdf, NanosecondMs); err != nil {
				n.add("%s: retry %d: no KS test: %v", p.name, retry, err)
			} else {
				rd.KS = &ks
				rd.Exact = curve(cdf, top)
				if rd.Measured == MeasuredServerGap {
					n.add("%s: the KS tests are on the delays the server saw (a retry's arrival − the previous response's end), which include network and response time, so a schedule without jitter cannot match; Records with sent_ms and received_ms (harness runs) test the client's own sleep", p.name)
				}
			}
		}
	}
	return &spread, &rd
}

// forEach calls f(0) to f(n-1) on a goroutine per core (at most n), each
// index once, and returns when all are done.
func forEach(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		})
	}
	wg.Wait()
}

// delaySamples returns a retry number's kept delays, measured by value, all
// of them and those not following a Retry-After, each sorted. When none
// followed one, free is a copy of all: the same values in the same order,
// which a sort of their own would give too.
func delaySamples(rs *retryStats, value func(delaySample) float64) (all, free []float64) {
	all = make([]float64, 0, len(rs.delays.items))
	afterRA := false
	for _, d := range rs.delays.items {
		all = append(all, value(d))
		afterRA = afterRA || d.afterRA
	}
	slices.Sort(all)
	if !afterRA {
		return all, slices.Clone(all)
	}
	free = make([]float64, 0, len(rs.delays.items))
	for _, d := range rs.delays.items {
		if !d.afterRA {
			free = append(free, value(d))
		}
	}
	slices.Sort(free)
	return all, free
}

func spreadOf(retry int, rs *retryStats) RetrySpread {
	abs := make([]float64, len(rs.times.items))
	off := make([]float64, len(rs.times.items))
	for i, t := range rs.times.items {
		abs[i], off[i] = t[0], t[1]
	}
	return RetrySpread{
		Retry:       retry,
		Count:       rs.time.n,
		SdMs:        rs.time.sd(),
		IQRMs:       iqr(abs),
		OffsetSdMs:  rs.offset.sd(),
		OffsetIQRMs: iqr(off),
		Sampled:     rs.times.sampled(),
	}
}

// iqr is the interquartile range (empirical quantiles); values are sorted in
// place.
func iqr(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	slices.Sort(values)
	return quantileOf(values, 0.75) - quantileOf(values, 0.25)
}

// curve evaluates a CDF on cdfPoints points from 0 to 5% past top.
func curve(cdf func(float64) float64, top float64) []Point {
	pts := make([]Point, 0, cdfPoints)
	hi := top * 1.05
	if hi <= 0 {
		hi = 1
	}
	for i := range cdfPoints {
		x := hi * float64(i) / float64(cdfPoints-1)
		if y := cdf(x); y >= 0 && y <= 1 { // KSTest has vetted the sample points only
			pts = append(pts, Point{X: x, Y: y})
		}
	}
	return pts
}
