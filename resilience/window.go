package resilience

import "time"

// windowBuckets is how many buckets a sliding window keeps: counts are exact
// to one bucket, a tenth of the window.
const windowBuckets = 10

// slidingCounts counts two quantities (a, b) over the last window of time in
// windowBuckets buckets, rotated lazily by the time passed in. Not safe for
// concurrent use; its owner locks.
type slidingCounts struct {
	width   time.Duration // window / windowBuckets
	head    int
	headAt  time.Time // start of the head bucket
	started bool
	a, b    [windowBuckets]float64
}

func newSlidingCounts(window time.Duration) slidingCounts {
	return slidingCounts{width: max(window/windowBuckets, 1)}
}

// advance rotates the buckets so the head covers now.
func (w *slidingCounts) advance(now time.Time) {
	if !w.started {
		w.started, w.headAt = true, now
		return
	}
	if now.Before(w.headAt.Add(w.width)) {
		return
	}
	steps := int64(now.Sub(w.headAt) / w.width)
	if steps >= windowBuckets {
		w.reset()
		w.started, w.headAt = true, now
		return
	}
	for range steps {
		w.head = (w.head + 1) % windowBuckets
		w.a[w.head], w.b[w.head] = 0, 0
	}
	w.headAt = w.headAt.Add(time.Duration(steps) * w.width)
}

func (w *slidingCounts) add(now time.Time, a, b float64) {
	w.advance(now)
	w.a[w.head] += a
	w.b[w.head] += b
}

func (w *slidingCounts) sums(now time.Time) (a, b float64) {
	w.advance(now)
	for i := range windowBuckets {
		a += w.a[i]
		b += w.b[i]
	}
	return a, b
}

func (w *slidingCounts) reset() {
	w.a, w.b = [windowBuckets]float64{}, [windowBuckets]float64{}
	w.head, w.started = 0, false
}
