package faultserver_test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// hammer sends n GETs from workers goroutines, each request to the path
// pathFor(i), and waits for all of them.
func hammer(c *http.Client, base string, n, workers int, pathFor func(i int) string) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if resp, err := c.Get(base + pathFor(i)); err == nil {
					resp.Body.Close()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

var _ = Describe("the server's lifecycle", func() {
	It("leaves no goroutine behind after 1,000 hangs and resets", func() {
		baseline := runtime.NumGoroutine()
		spec, _, err := faultserver.ParseScript("t.yaml", []byte(`
routes:
  - {path: /hang, phases: [{fault: {hang: 20ms}}]}
  - {path: /reset, phases: [{fault: {reset: true}}]}
`))
		Expect(err).NotTo(HaveOccurred())
		srv, err := faultserver.NewStarted(spec, faultserver.Options{})
		Expect(err).NotTo(HaveOccurred())
		tr := &http.Transport{DisableKeepAlives: true}
		impatient := &http.Client{Transport: tr, Timeout: 10 * time.Millisecond}
		patient := &http.Client{Transport: tr, Timeout: 5 * time.Second}
		// Half the hangs outlast their client, half run their course.
		hammer(impatient, srv.URL(), 250, 25, func(int) string { return "/hang" })
		hammer(patient, srv.URL(), 250, 25, func(int) string { return "/hang" })
		hammer(patient, srv.URL(), 500, 25, func(int) string { return "/reset" })
		Expect(srv.Close()).To(Succeed())
		tr.CloseIdleConnections()
		// The patient 750 all reached the server; an impatient request may
		// have given up before the server read it.
		Expect(len(srv.Records())).To(BeNumerically(">=", 750))
		Expect(srv.Stats().Requests).To(Equal(int64(len(srv.Records()))))
		Eventually(runtime.NumGoroutine, 5*time.Second, 10*time.Millisecond).Should(BeNumerically("<=", baseline))
	})

	It("closes with 500 hung requests at once, and the log holds all 500", func() {
		var log syncBuffer
		spec, _, err := faultserver.ParseScript("t.yaml", []byte("phases: [{fault: {hang: 1h}}]\n"))
		Expect(err).NotTo(HaveOccurred())
		srv, err := faultserver.NewStarted(spec, faultserver.Options{Log: &log})
		Expect(err).NotTo(HaveOccurred())
		tr := &http.Transport{DisableKeepAlives: true}
		DeferCleanup(tr.CloseIdleConnections)
		c := &http.Client{Transport: tr}
		errs := make(chan error, 500)
		for i := 0; i < 500; i++ {
			go func() {
				req, _ := http.NewRequest("GET", srv.URL()+"/", nil)
				req.Header.Set(record.HeaderClient, "c"+strconv.Itoa(i))
				resp, err := c.Do(req)
				if err == nil {
					resp.Body.Close()
				}
				errs <- err
			}()
		}
		Eventually(func() int64 { return srv.Stats().Hung }, 10*time.Second, 10*time.Millisecond).Should(Equal(int64(500)))

		closed := make(chan error, 1)
		go func() { closed <- srv.Close() }()
		Eventually(closed, time.Second).Should(Receive(BeNil()))

		Expect(srv.Records()).To(HaveLen(500))
		lines := 0
		Expect(record.Read(bytesReader(log.Bytes()), func(r record.Record) error {
			Expect(r.Fault).To(Equal(record.FaultHang))
			Expect(r.Status).To(Equal(0))
			lines++
			return nil
		})).To(Succeed())
		Expect(lines).To(Equal(500))
		for i := 0; i < 500; i++ {
			Eventually(errs, 5*time.Second).Should(Receive(HaveOccurred()))
		}
	})

	It("mounts its handler in another server, faults and all", func() {
		srv, err := faultserver.New(&faultserver.Spec{Phases: []faultserver.PhaseSpec{
			{Requests: 1, Fault: &faultserver.FaultSpec{Reset: true}}, {}}}, faultserver.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.Close)
		ts := httptest.NewServer(srv.Handler())
		DeferCleanup(ts.Close)
		c := freshClient(5 * time.Second)
		_, _, err = call(c, "GET", ts.URL+"/", "a")
		Expect(err).To(MatchError(ContainSubstring("connection reset by peer")))
		resp, _, err := call(c, "GET", ts.URL+"/", "a")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(200))
		waitRecords(srv, 2)
	})

	It("refuses to start twice and closes idempotently", func() {
		srv := startServer("{}\n", faultserver.Options{})
		_, err := srv.Start()
		Expect(err).To(MatchError(ContainSubstring("twice")))
		Expect(srv.Close()).To(Succeed())
		Expect(srv.Close()).To(Succeed())
	})

	It("reports a listen error", func() {
		_, err := faultserver.NewStarted(&faultserver.Spec{}, faultserver.Options{Addr: "127.0.0.1:notaport"})
		Expect(err).To(MatchError(ContainSubstring("listen on 127.0.0.1:notaport")))
	})

	It("refuses an invalid spec with the field at fault", func() {
		_, err := faultserver.New(&faultserver.Spec{Per: "everyone"}, faultserver.Options{})
		Expect(err).To(MatchError(ContainSubstring("per: per must be")))
	})
})
