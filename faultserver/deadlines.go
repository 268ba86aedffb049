package faultserver

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// A cleartext HTTP/1 connection has its read and write deadlines kept by
// the server's deadline watch, which expires them at its next tick, rather
// than by a runtime timer each. net/http sets three read deadlines on every
// keep-alive request (idle, header, none) and the handler a write deadline
// (wire.writeDeadline); arming, moving and stopping a runtime timer for each
// cost about 5% of the CPU of a small request (bench/ BenchmarkFaultServer's
// cpu-share against net/http with the same limits). A deadline set here is a
// number in the connection; the watch looks at every connection's numbers
// each tick (a tenth of the shortest limit, between 1ms and 50ms) and
// expires the connection's own deadline, at once, for those passed: a read
// or write blocked on it (or made later) then fails with the timeout error
// a runtime timer would have given, at most one tick late. A deadline that is
// already past when set (net/http's way of waking a blocked read) goes to
// the connection at once, as does every deadline after the watch expired one.

// deadlineWatch expires the deadlines of the connections it watches.
type deadlineWatch struct {
	tick   time.Duration
	origin int64 // unix ns of the watch's start: a deadline before it is past when set
	mu     sync.Mutex
	conns  map[*watchedConn]struct{}
	stop   chan struct{}
	done   chan struct{}
}

// watchTick is the watch's resolution for limits l: a tenth of the shortest
// timeout, between 1ms and 50ms.
func watchTick(l Limits) time.Duration {
	shortest := min(l.ReadHeaderTimeout, l.BodyTimeout, l.WriteTimeout, l.IdleTimeout)
	return min(max(shortest/10, time.Millisecond), 50*time.Millisecond)
}

// newDeadlineWatch starts a watch ticking every tick; stop it with close.
func newDeadlineWatch(tick time.Duration) *deadlineWatch {
	w := &deadlineWatch{tick: tick, origin: time.Now().UnixNano(), conns: map[*watchedConn]struct{}{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *deadlineWatch) run() {
	defer close(w.done)
	t := time.NewTicker(w.tick)
	defer t.Stop()
	var conns []*watchedConn // reused from tick to tick
	for {
		select {
		case now := <-t.C:
			w.mu.Lock()
			conns = conns[:0]
			for c := range w.conns {
				conns = append(conns, c)
			}
			w.mu.Unlock()
			at := now.UnixNano()
			for _, c := range conns {
				c.expire(at)
			}
			clear(conns) // hold no closed connection until the next tick
		case <-w.stop:
			return
		}
	}
}

// close stops the watch; deadlines not yet expired then never are, so it
// comes after every connection is closed.
func (w *deadlineWatch) close() {
	close(w.stop)
	<-w.done
}

// watch wraps c, whose deadlines the watch then keeps.
func (w *deadlineWatch) watch(c net.Conn) *watchedConn {
	wc := &watchedConn{Conn: c, w: w}
	w.mu.Lock()
	w.conns[wc] = struct{}{}
	w.mu.Unlock()
	return wc
}

// watchedConn is a connection whose deadlines a deadlineWatch keeps.
type watchedConn struct {
	net.Conn
	w           *deadlineWatch
	mu          sync.Mutex // orders setting a deadline against expiring it
	read, write watchedDeadline
	closeOnce   sync.Once
}

// watchedDeadline is one direction's deadline.
type watchedDeadline struct {
	at atomic.Int64 // unix ns of the deadline set and not yet expired; 0: none
	// onConn is set while the connection itself has a deadline (one past
	// when set, or expired by the watch), which the next one set replaces.
	onConn bool
}

func (c *watchedConn) SetReadDeadline(t time.Time) error { return c.set(&c.read, false, t) }

func (c *watchedConn) SetWriteDeadline(t time.Time) error { return c.set(&c.write, true, t) }

func (c *watchedConn) SetDeadline(t time.Time) error {
	rerr := c.SetReadDeadline(t)
	if werr := c.SetWriteDeadline(t); werr != nil {
		return werr
	}
	return rerr
}

// onConn sets the connection's own deadline of one direction.
func (c *watchedConn) onConn(write bool, t time.Time) error {
	if write {
		return c.Conn.SetWriteDeadline(t)
	}
	return c.Conn.SetReadDeadline(t)
}

// set keeps deadline t of one direction (write: the write deadline).
func (c *watchedConn) set(d *watchedDeadline, write bool, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !t.IsZero() && t.UnixNano() < c.w.origin { // past already: at once
		d.at.Store(0)
		d.onConn = true
		return c.onConn(write, t)
	}
	at := int64(0)
	if !t.IsZero() {
		at = t.UnixNano()
	}
	d.at.Store(at)
	if d.onConn {
		d.onConn = false
		return c.onConn(write, time.Time{})
	}
	return nil
}

// expire gives the connection a past deadline in each direction whose
// deadline is at or before now (unix ns).
func (c *watchedConn) expire(now int64) {
	r, w := c.read.at.Load(), c.write.at.Load()
	if (r == 0 || r > now) && (w == 0 || w > now) {
		return // the common case, without the lock
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for write, d := range [...]*watchedDeadline{&c.read, &c.write} {
		if at := d.at.Load(); at != 0 && at <= now {
			d.at.Store(0)
			d.onConn = true
			_ = c.onConn(write == 1, time.Unix(1, 0))
		}
	}
}

// Close closes the connection and stops watching it.
func (c *watchedConn) Close() error {
	c.closeOnce.Do(func() {
		c.w.mu.Lock()
		delete(c.w.conns, c)
		c.w.mu.Unlock()
	})
	return c.Conn.Close()
}

// CloseWrite shuts the write side of a TCP connection, for net/http's
// closing of a connection after a refused body.
func (c *watchedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// ReadFrom lets net/http hand a file body to the TCP connection's own
// ReadFrom (sendfile).
func (c *watchedConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}
