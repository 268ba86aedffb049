package faultserver

import (
	"io"
	"net"
	"time"

	"github.com/chaos-harness/chaos/record"
)

// Test access to the arrival log, so specs can append Records directly.

// ArrivalLog is the server's arrival log.
type ArrivalLog = arrivalLog

// NewArrivalLog builds an arrival log as a server does.
func NewArrivalLog(limit int, maxBytes int64, w io.Writer, onError func(error)) *ArrivalLog {
	return newArrivalLog(limit, maxBytes, w, onError, 0)
}

// NewSyncedArrivalLog builds an arrival log with Options.LogSync sync.
func NewSyncedArrivalLog(w io.Writer, sync time.Duration) *ArrivalLog {
	return newArrivalLog(100, 0, w, nil, sync)
}

// Add appends a Record.
func (l *arrivalLog) Add(rec record.Record) { l.add(&rec) }

// Since reads kept Records from an offset.
func (l *arrivalLog) Since(offset int64, limit int) ([]record.Record, int64, int64) {
	return l.since(offset, limit)
}

// Memory returns the Records kept and their approximate bytes.
func (l *arrivalLog) Memory() (kept, bytes int64) { return l.memory() }

// Status returns the Records written, dropped and the stream's error.
func (l *arrivalLog) Status() (written, dropped int64, err error) { return l.status() }

// Close flushes and stops the log.
func (l *arrivalLog) Close() error { return l.close() }

// ClientKeys counts the client keys the script's routes hold.
func (s *Script) ClientKeys() int {
	n := s.top.clients.len()
	for _, r := range s.routes {
		n += r.clients.len()
	}
	return n
}

// LimitClientKeys lowers the bounds of the client tables until the returned
// function restores them.
func LimitClientKeys(perShard, bytesPerShard int) (restore func()) {
	keys, bytes := shardKeys, shardKeyBytes
	shardKeys, shardKeyBytes = perShard, bytesPerShard
	return func() { shardKeys, shardKeyBytes = keys, bytes }
}

// ListenNetwork is the network Start listens on for an address.
var ListenNetwork = listenNetwork

// Decide decides a request without admission, as Admit does once it has
// taken a slot: the pure decision core, for specs and benchmarks.
func (s *Script) Decide(elapsed time.Duration, req *RequestInfo) Plan {
	return s.decideRequest(elapsed, req)
}

// Decide is NumberedClients' Decide without admission.
func (f *NumberedClients) Decide(elapsed time.Duration, client int, req *RequestInfo) Plan {
	return f.decide(elapsed, client, req)
}

// ActionKindNames lists the registered action kinds, in FaultSpec's field
// order.
func ActionKindNames() []string { return kindNames() }

// DeadlineWatch is the server's deadline watch (deadlines.go), for specs
// that expire deadlines at times of their choosing.
type DeadlineWatch = deadlineWatch

// NewIdleDeadlineWatch is a deadline watch that never ticks by itself (its
// tick is a day): only Expire expires deadlines.
func NewIdleDeadlineWatch() *DeadlineWatch { return newDeadlineWatch(24 * time.Hour) }

// Watch wraps c, whose deadlines w then keeps.
func (w *deadlineWatch) Watch(c net.Conn) net.Conn { return w.watch(c) }

// Expire does what a tick at now does.
func (w *deadlineWatch) Expire(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for c := range w.conns {
		c.expire(now.UnixNano())
	}
}

// Watched is how many connections w watches.
func (w *deadlineWatch) Watched() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.conns)
}

// Close stops w.
func (w *deadlineWatch) Close() { w.close() }

// WatchTick is the watch's resolution for limits.
var WatchTick = watchTick

// RequestGate is the server's count of the requests in (server.go).
type RequestGate = requestGate

// Enter, Close and Drained drive a gate as requests and Close do.
func (g *requestGate) Enter() bool { return g.enter() }
func (g *requestGate) Close()      { g.close() }
func (g *requestGate) Drained() bool {
	select {
	case <-g.ch():
		return true
	default:
		return false
	}
}
