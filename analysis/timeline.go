package analysis

// timelineBins caps the fine bins kept per policy. Runs up to 262 s keep 1 ms
// resolution; longer runs double the resolution as often as needed, so a
// policy's timeline (three counts per bin) never takes more than 3 MB
// whatever the run's length.
const timelineBins = 1 << 18

// timeline is the fine-grained time axis shared by all policies: counts per
// bin of Resolution ms from the run start. Everything time-resolved (the
// arrival series, the sliding window, the sliding success rate) is computed
// from it, so its resolution is what those are exact to.
type timeline struct {
	resolution float64 // ms per bin: 2^j for the smallest j that fits the run
	series     []*binCounts
}

// binCounts are one policy's counts on the timeline: every arrival, the
// successful ones, and the retries (attempts after the first of their logical
// request), which the herd figures slide their window over.
type binCounts struct {
	arrivals  []uint32
	succeeded []uint32
	retries   []uint32
}

func newTimeline() *timeline { return &timeline{resolution: 1} }

// newSeries registers a policy's counts, so coarsening keeps them aligned.
func (tl *timeline) newSeries() *binCounts {
	s := &binCounts{}
	tl.series = append(tl.series, s)
	return s
}

// add counts an arrival at t ms (t ≥ 0, finite).
func (tl *timeline) add(s *binCounts, t float64, ok, retry bool) {
	for t/tl.resolution >= timelineBins {
		tl.coarsen()
	}
	i := int(t / tl.resolution)
	if i >= len(s.arrivals) {
		s.grow(i + 1)
	}
	s.arrivals[i]++
	if ok {
		s.succeeded[i]++
	}
	if retry {
		s.retries[i]++
	}
}

// coarsen doubles the resolution, merging pairs of bins in every series.
func (tl *timeline) coarsen() {
	tl.resolution *= 2
	for _, s := range tl.series {
		s.arrivals = mergePairs(s.arrivals)
		s.succeeded = mergePairs(s.succeeded)
		s.retries = mergePairs(s.retries)
	}
}

func mergePairs(c []uint32) []uint32 {
	n := (len(c) + 1) / 2
	for i := range n {
		v := c[2*i]
		if 2*i+1 < len(c) {
			v += c[2*i+1]
		}
		c[i] = v
	}
	return c[:n]
}

func (s *binCounts) grow(n int) {
	if n <= cap(s.arrivals) {
		s.arrivals = s.arrivals[:n]
		s.succeeded = s.succeeded[:n]
		s.retries = s.retries[:n]
		return
	}
	c := max(n, 2*cap(s.arrivals), 1024)
	s.arrivals = append(make([]uint32, 0, c), s.arrivals...)[:n]
	s.succeeded = append(make([]uint32, 0, c), s.succeeded...)[:n]
	s.retries = append(make([]uint32, 0, c), s.retries...)[:n]
}
