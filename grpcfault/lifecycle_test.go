package grpcfault

import (
	"bytes"
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("the server's life", func() {
	It("releases a hung call at Close, logs it and flushes the log", func() {
		spec, _, err := faultserver.ParseScript("s.yaml", []byte("phases: [{fault: {hang: 1h}}]"))
		Expect(err).NotTo(HaveOccurred())
		var log bytes.Buffer
		srv, err := NewStarted(spec, Options{Log: &syncWriter{w: &log}})
		Expect(err).NotTo(HaveOccurred())
		cc, _ := dial(srv, "")
		done := make(chan error, 1)
		go func() {
			_, _, _, err := call(cc, method, nil, time.Hour, "x-chaos-client", "c1")
			done <- err
		}()
		Eventually(srv.script.InFlight).WithTimeout(10 * time.Second).Should(Equal(1)) // the call is held
		Expect(srv.Close()).To(Succeed())
		Eventually(done).WithTimeout(10 * time.Second).Should(Receive(HaveOccurred()))
		Expect(srv.Records()).To(HaveLen(1))
		Expect(srv.Records()[0].Fault).To(Equal(record.FaultHang))
		var got []record.Record
		Expect(record.Read(bytes.NewReader(log.Bytes()), func(r record.Record) error {
			got = append(got, r)
			return nil
		})).To(Succeed())
		Expect(got).To(Equal(srv.Records()))
		_, err = srv.Start()
		Expect(err).To(MatchError(ContainSubstring("after Close")))
	})

	It("lets a connection's server go with the connection", func() {
		srv := startServer("{}")
		cc, _ := dial(srv, "")
		_, _, _, err := call(cc, method, nil, 10*time.Second)
		Expect(err).NotTo(HaveOccurred())
		servers := func() int {
			srv.mu.Lock()
			defer srv.mu.Unlock()
			return len(srv.servers)
		}
		Expect(servers()).To(Equal(1))
		Expect(cc.Close()).To(Succeed())
		Eventually(servers).WithTimeout(10 * time.Second).Should(Equal(0))
	})

	It("serves concurrent calls on one connection, each decided once, and frees every slot", func() {
		// a concurrency limit of 8: every call that finds 8 in flight is
		// refused RESOURCE_EXHAUSTED; every admitted one holds 20ms
		srv := startServer("capacity: {concurrency: 8}\nresponse: {delay: 20ms}")
		cc, _ := dial(srv, "")
		const n = 40
		var wg sync.WaitGroup
		codesSeen := make([]codes.Code, n)
		for i := range n {
			wg.Go(func() {
				c := fmt.Sprintf("c%d", i)
				_, _, _, err := call(cc, method, []byte(c), 30*time.Second, "x-chaos-client", c)
				codesSeen[i] = status.Code(err)
			})
		}
		wg.Wait()
		Expect(srv.Records()).To(HaveLen(n))
		ok, refused := 0, 0
		for i, r := range srv.Records() {
			switch r.GRPCCode {
			case "OK":
				ok++
			case "RESOURCE_EXHAUSTED":
				refused++
			default:
				Fail(fmt.Sprintf("record %d: %s", i, r.GRPCCode))
			}
		}
		Expect(ok + refused).To(Equal(n))
		Expect(ok).To(BeNumerically(">=", 1))
		Expect(codesSeen).To(HaveEach(Or(Equal(codes.OK), Equal(codes.ResourceExhausted))))
		Expect(srv.script.InFlight()).To(Equal(0)) // every admitted call ended its ticket
	})

	It("keeps the last LogLimit Records in memory", func() {
		spec, _, err := faultserver.ParseScript("s.yaml", []byte("{}"))
		Expect(err).NotTo(HaveOccurred())
		srv, err := NewStarted(spec, Options{LogLimit: 3})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.Close)
		cc, _ := dial(srv, "")
		for i := range 8 {
			_, _, _, err := call(cc, method, nil, 10*time.Second, "x-chaos-request", fmt.Sprint(i))
			Expect(err).NotTo(HaveOccurred())
		}
		var ids []string
		for _, r := range srv.Records() {
			ids = append(ids, r.Request)
		}
		Expect(ids).To(Equal([]string{"5", "6", "7"}))
		Expect(srv.Calls()).To(Equal(int64(8)))
	})
})

// syncWriter is a writer safe to read once the server is closed.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
