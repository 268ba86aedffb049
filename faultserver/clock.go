package faultserver

import "time"

// Clock is the time a Server reads: the subset of resilience.Clock that the
// server needs, so resilience.RealClock, resilience.VirtualClock and a
// harness's scaled clock all satisfy it. Everything the script and the
// performance of a decision time reads it: the elapsed time of phases and
// Records, delays, hangs, the pacing of slow bodies, and the dates on the wire
// (Retry-After, Date). The limits net/http enforces on connections (read,
// write and idle timeouts) stay on real time.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed; stop
	// prevents the call, and reports whether it did.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// now reads the server's clock.
func (s *Server) now() time.Time {
	if s.opts.Clock == nil {
		return time.Now()
	}
	return s.opts.Clock.Now()
}

// sleep waits d on the server's clock, and reports false when done (the
// client went away) or the server's closing came first.
func (s *Server) sleep(done <-chan struct{}, d time.Duration) bool {
	return Sleep(s.opts.Clock, d, done, s.closing)
}

// Sleep waits d on c (nil: the real clock) and reports false when done or
// closing came first; the gRPC server holds calls with it.
func Sleep(c Clock, d time.Duration, done, closing <-chan struct{}) bool {
	var fired <-chan time.Time
	if c == nil {
		t := time.NewTimer(d)
		defer t.Stop()
		fired = t.C
	} else {
		ch := make(chan time.Time, 1)
		stop := c.AfterFunc(d, func() { ch <- time.Time{} })
		defer stop()
		fired = ch
	}
	select {
	case <-fired:
		return true
	case <-done:
	case <-closing:
	}
	return false
}
