package analysis

// Herd figures: how synchronised a policy's retries are. They count retries
// only (attempts after the first of their logical request), because a fleet
// that starts together sends one shared first burst whatever its jitter: that
// burst sets the peak of every figure over all arrivals (max_window_arrivals,
// peak_to_mean), and a jittered fleet's long, thin tail then lowers the mean,
// so those figures can call full jitter a worse herd than none. The retries
// alone are what the policy adds, and what jitter spreads.

// herd is one policy's retry-synchronisation figures.
type herd struct {
	maxWindow      *int     // most retries in any retry window
	peakRate       *float64 // the same, per second
	peakToCapacity *float64 // maxWindow over what the server admits in the window
}

// herdOf slides the retry window over the policy's retries on the timeline
// (the same exact sliding count as max_window_arrivals). Every figure is nil
// when the policy's attempts could not be grouped into logical requests
// (policyAcc.groupable), as retries then cannot be told from first attempts;
// peak_to_capacity is also nil without a capacity model.
func herdOf(p *policyAcc, g grid, c *Capacity, n *notes) herd {
	var h herd
	if !p.groupable() {
		n.add("%s: the attempts could not be grouped into logical requests, so retries cannot be told from first attempts: retry_max_window, retry_peak_rate and peak_to_capacity are null", p.name)
		return h
	}
	most := maxWindow(p.bins.retries, g.retryBins)
	rate := float64(most) / (g.retryWindow / 1000)
	h.maxWindow, h.peakRate = &most, &rate
	if admitted, ok := admittedIn(c, g.retryWindow); ok {
		ratio := float64(most) / admitted
		h.peakToCapacity = &ratio
	} else {
		n.add("The server has no capacity model (a scenario's server.capacity, or chaos analyze --capacity, with a rate or a concurrency), so peak_to_capacity is null")
	}
	return h
}

// admittedIn is the most requests a server with capacity c admits in a window
// of w ms, and false when c limits nothing:
//
//   - a token bucket of rate R per second and size B admits at most
//     B + R·w/1000 in any window of w ms: full at the window's start, refilled
//     at R throughout (the standard token-bucket arrival curve, Cruz, "A
//     calculus for network delay", IEEE Trans. Inf. Theory 37(1), 1991);
//   - a concurrency limit C admits C at once: the retries of one window are
//     taken to be in flight together, which holds while the window is no
//     longer than the server's responses take (the wave bound). A server
//     whose responses are much shorter than the window admits more, so the
//     ratio then overstates the overload.
//
// With both limits the server admits the smaller number.
func admittedIn(c *Capacity, w float64) (float64, bool) {
	if c == nil || (c.Rate == 0 && c.Concurrency == 0) {
		return 0, false
	}
	admitted := 0.0
	if c.Rate > 0 {
		burst := float64(c.Burst)
		if burst == 0 {
			burst = max(1, c.Rate) // one second's worth, as faultserver.NewCapacity
		}
		admitted = burst + c.Rate*w/1000
	}
	if c.Concurrency > 0 && (admitted == 0 || float64(c.Concurrency) < admitted) {
		admitted = float64(c.Concurrency)
	}
	return admitted, true
}
