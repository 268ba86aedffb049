package faultserver_test

import (
	"errors"
	"net"
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
)

// The deadline watch keeps a connection's deadlines as numbers and expires
// them when a tick passes them; the specs tick it by hand (Expire), on a
// net.Pipe, whose own deadlines behave as a TCP connection's.
var _ = Describe("the deadline watch", func() {
	var (
		watch        *faultserver.DeadlineWatch
		conn, remote net.Conn
		t0           time.Time
	)
	BeforeEach(func() {
		watch = faultserver.NewIdleDeadlineWatch()
		DeferCleanup(watch.Close)
		var raw net.Conn
		raw, remote = net.Pipe()
		conn = watch.Watch(raw)
		DeferCleanup(func() { _ = conn.Close(); _ = remote.Close() })
		t0 = time.Now().Add(time.Hour) // a deadline well ahead, so only Expire passes it
	})

	// timedOut reports whether a read (or a write) failed as a passed
	// deadline fails it. The pipe's other side neither writes nor reads, so
	// without a passed deadline the call would block: it runs only where the
	// deadline is expected to have passed, and otherwise the pipe answers.
	timedOut := func(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

	It("expires a read deadline at the first tick at or after it, not before", func() {
		Expect(conn.SetReadDeadline(t0)).To(Succeed())
		watch.Expire(t0.Add(-time.Millisecond))
		go func() { _, _ = remote.Write([]byte("x")) }()
		buf := make([]byte, 1)
		n, err := conn.Read(buf) // not yet passed: the byte arrives
		Expect(err).NotTo(HaveOccurred())
		Expect(n).To(Equal(1))

		watch.Expire(t0)
		_, err = conn.Read(buf)
		Expect(timedOut(err)).To(BeTrue(), "read after the tick that passed the deadline: %v", err)
	})

	It("clears an expired deadline when the next one is set", func() {
		Expect(conn.SetReadDeadline(t0)).To(Succeed())
		watch.Expire(t0)
		Expect(conn.SetReadDeadline(time.Time{})).To(Succeed())
		go func() { _, _ = remote.Write([]byte("y")) }()
		buf := make([]byte, 1)
		_, err := conn.Read(buf)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(buf)).To(Equal("y"))
	})

	It("forgets a deadline cleared before it passed", func() {
		Expect(conn.SetReadDeadline(t0)).To(Succeed())
		Expect(conn.SetReadDeadline(time.Time{})).To(Succeed())
		watch.Expire(t0.Add(time.Hour))
		go func() { _, _ = remote.Write([]byte("z")) }()
		buf := make([]byte, 1)
		_, err := conn.Read(buf)
		Expect(err).NotTo(HaveOccurred())
	})

	It("puts a deadline already past on the connection at once, without a tick", func() {
		Expect(conn.SetReadDeadline(time.Unix(1, 0))).To(Succeed()) // net/http's aLongTimeAgo
		_, err := conn.Read(make([]byte, 1))
		Expect(timedOut(err)).To(BeTrue(), "%v", err)
	})

	It("expires write deadlines too, each direction on its own", func() {
		Expect(conn.SetDeadline(t0)).To(Succeed())
		Expect(conn.SetReadDeadline(time.Time{})).To(Succeed())
		watch.Expire(t0)
		_, err := conn.Write([]byte("w"))
		Expect(timedOut(err)).To(BeTrue(), "%v", err)
		go func() { _, _ = remote.Write([]byte("r")) }()
		_, err = conn.Read(make([]byte, 1))
		Expect(err).NotTo(HaveOccurred(), "the read deadline was cleared before the tick")
	})

	It("stops watching a connection once it is closed", func() {
		Expect(watch.Watched()).To(Equal(1))
		Expect(conn.Close()).To(Succeed())
		Expect(watch.Watched()).To(Equal(0))
	})

	It("ticks at a tenth of the shortest limit, between 1ms and 50ms", func() {
		limits := func(d time.Duration) faultserver.Limits {
			return faultserver.Limits{ReadHeaderTimeout: 30 * time.Second, BodyTimeout: 30 * time.Second, WriteTimeout: d, IdleTimeout: 2 * time.Minute}
		}
		Expect(faultserver.WatchTick(limits(30 * time.Second))).To(Equal(50 * time.Millisecond))
		Expect(faultserver.WatchTick(limits(100 * time.Millisecond))).To(Equal(10 * time.Millisecond))
		Expect(faultserver.WatchTick(limits(5 * time.Millisecond))).To(Equal(time.Millisecond))
	})
})
