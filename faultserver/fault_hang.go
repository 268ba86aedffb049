package faultserver

import (
	"time"

	"github.com/chaos-harness/chaos/record"
)

func init() {
	registerKind(&actionKind{
		name:       record.FaultHang,
		given:      func(f *FaultSpec) bool { return f.Hang > 0 },
		compile:    func(f *FaultSpec, a *action) { a.param = int64(f.Hang) },
		walk:       hangWalk,
		noResponse: true,
		holding:    true,
	})
}

// A hang holds the request without answering until the hang's duration
// passes, the client goes away or the server closes, then closes the
// connection with no response (opAbort). The wire counts the request as hung
// while it holds (Stats.Hung, the hung gauge); in virtual time a hang is a
// hold like any other.
func hangWalk(param int64) *walk {
	return walkOf(step{op: opHang, wait: time.Duration(param)}, step{op: opAbort})
}

// hang holds the request as a hang, counted in Stats.Hung and the gauge.
func (x *wire) hang(d time.Duration) bool {
	x.srv.hung.Add(1)
	x.srv.metrics.hung.Inc()
	ok := x.wait(d)
	x.srv.hung.Add(-1)
	x.srv.metrics.hung.Dec()
	return ok
}
