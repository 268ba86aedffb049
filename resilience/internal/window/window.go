// Package window counts over a sliding window of time, for the breaker's
// failure ratio and the recent retry budget.
package window

import "time"

// windowBuckets is how many buckets a sliding window keeps: counts are exact
// to one bucket, a tenth of the window.
const windowBuckets = 10

// Counts counts two quantities (a, b) over the last window of time in
// windowBuckets buckets, rotated lazily by the time passed in. Not safe for
// concurrent use; its owner locks.
type Counts struct {
	width   time.Duration // window / windowBuckets
	head    int
	headAt  time.Time // start of the head bucket
	started bool
	a, b    [windowBuckets]float64
}

// New counts over the last window of time.
func New(window time.Duration) Counts {
	return Counts{width: max(window/windowBuckets, 1)}
}

// advance rotates the buckets so the head covers now.
func (w *Counts) advance(now time.Time) {
	if !w.started {
		w.started, w.headAt = true, now
		return
	}
	if now.Before(w.headAt.Add(w.width)) {
		return
	}
	steps := int64(now.Sub(w.headAt) / w.width)
	if steps >= windowBuckets {
		w.Reset()
		w.started, w.headAt = true, now
		return
	}
	for range steps {
		w.head = (w.head + 1) % windowBuckets
		w.a[w.head], w.b[w.head] = 0, 0
	}
	w.headAt = w.headAt.Add(time.Duration(steps) * w.width)
}

// Add counts a and b at now.
func (w *Counts) Add(now time.Time, a, b float64) {
	w.advance(now)
	w.a[w.head] += a
	w.b[w.head] += b
}

// Sums returns the counts of the last window before now.
func (w *Counts) Sums(now time.Time) (a, b float64) {
	w.advance(now)
	for i := range windowBuckets {
		a += w.a[i]
		b += w.b[i]
	}
	return a, b
}

// Reset forgets every count.
func (w *Counts) Reset() {
	w.a, w.b = [windowBuckets]float64{}, [windowBuckets]float64{}
	w.head, w.started = 0, false
}
