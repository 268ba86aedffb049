package chaostest_test

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/chaostest"
	"github.com/chaos-harness/chaos/faultserver"
)

// recordingTB is a chaostest.TB that keeps what it was told, to see NewServer
// fail a test and clean up after it.
type recordingTB struct {
	fatal    string
	errors   []string
	cleanups []func()
}

func (t *recordingTB) Helper()                   {}
func (t *recordingTB) Cleanup(f func())          { t.cleanups = append(t.cleanups, f) }
func (t *recordingTB) Errorf(f string, a ...any) { t.errors = append(t.errors, fmt.Sprintf(f, a...)) }
func (t *recordingTB) Fatalf(f string, a ...any) { t.fatal = fmt.Sprintf(f, a...) }

func (t *recordingTB) runCleanups() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

var _ = Describe("NewServer", func() {
	It("starts from YAML text on a loopback port and performs the script", func() {
		srv := chaostest.NewServer(GinkgoT(), `phases: [{requests: 1, fault: {status: 503}}, {}]`)
		Expect(srv.URL).To(MatchRegexp(`^http://127\.0\.0\.1:\d+$`))
		Expect(get(srv.URL)).To(Equal(503))
		Expect(get(srv.URL)).To(Equal(200))
		records := srv.Records()
		Expect(records).To(HaveLen(2))
		Expect(records[0].Status).To(Equal(503))
		Expect(records[0].Phase).To(Equal("phase1"))
		Expect(records[1].Status).To(Equal(200))
	})

	It("starts from a faultserver.Spec, seeded, and streams its log", func() {
		var log bytes.Buffer
		spec := faultserver.Spec{Phases: []faultserver.PhaseSpec{{
			Name: "coin",
			Mix:  []faultserver.MixSpec{{Weight: 1}, {Weight: 1, Fault: &faultserver.FaultSpec{Status: 500}}},
		}}}
		statuses := func(seed uint64) []int {
			srv := chaostest.NewServer(GinkgoT(), spec, chaostest.WithSeed(seed), chaostest.WithLog(&log))
			var out []int
			for range 20 {
				out = append(out, get(srv.URL))
			}
			Expect(srv.Close()).To(Succeed())
			return out
		}
		first := statuses(3)
		Expect(first).To(ContainElements(200, 500))
		Expect(statuses(3)).To(Equal(first))
		Expect(bytes.Count(log.Bytes(), []byte("\n"))).To(Equal(40))
	})

	It("analyses its records as chaos analyze would", func() {
		srv := chaostest.NewServer(GinkgoT(), &faultserver.Spec{})
		Expect(get(srv.URL)).To(Equal(200))
		res, err := srv.Result()
		Expect(err).NotTo(HaveOccurred())
		p, ok := res.Policy("client")
		Expect(ok).To(BeTrue())
		Expect(p.Attempts).To(Equal(1))
		Expect(p.SuccessRate).To(Equal(1.0))
	})

	It("fails the test with the line and field of a bad script", func() {
		t := &recordingTB{}
		Expect(chaostest.NewServer(t, "phases:\n  - {fault: {status: 99}}\n")).To(BeNil())
		Expect(t.fatal).To(ContainSubstring("script:2"))
		Expect(t.fatal).To(ContainSubstring("status"))
	})

	It("closes itself when the test's cleanups run", func() {
		t := &recordingTB{}
		srv := chaostest.NewServer(t, "{}")
		Expect(get(srv.URL)).To(Equal(200))
		t.runCleanups()
		Expect(t.errors).To(BeEmpty())
		_, err := (&http.Client{Timeout: time.Second}).Get(srv.URL)
		Expect(err).To(HaveOccurred())
	})
})

// get sends one GET and returns its status.
func get(url string) int {
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(url + "/")
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.Body.Close()).To(Succeed())
	return resp.StatusCode
}

var _ = Describe("NewTLSServer and NewH2CServer", func() {
	It("serves HTTPS with a client that trusts its CA and speaks HTTP/2, as httptest.NewTLSServer", func() {
		srv := chaostest.NewTLSServer(GinkgoT(), `phases: [{requests: 1, fault: {rst_stream: REFUSED_STREAM}}, {}]`)
		Expect(srv.URL).To(MatchRegexp(`^https://127\.0\.0\.1:\d+$`))
		Expect(srv.CACert()).To(ContainSubstring("BEGIN CERTIFICATE"))
		resp, err := srv.Client().Get(srv.URL + "/a")
		Expect(err).NotTo(HaveOccurred(), "Go's transport retried the refused stream")
		resp.Body.Close()
		Expect(resp.Proto).To(Equal("HTTP/2.0"))
		recs := srv.Records()
		Expect(recs).To(HaveLen(2))
		Expect(recs[0].Fault).To(Equal("rst_stream"))
		Expect(recs[1]).To(And(HaveField("Protocol", "HTTP/2.0"), HaveField("TLS", true), HaveField("Status", 200)))
		_, err = http.Get(srv.URL + "/a")
		Expect(err).To(MatchError(ContainSubstring("unknown authority")), "the default client does not trust the CA")
	})

	It("serves cleartext HTTP/2 with a client that speaks it", func() {
		srv := chaostest.NewH2CServer(GinkgoT(), `response: {status: 200}`)
		resp, err := srv.Client().Get(srv.URL + "/a")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.Proto).To(Equal("HTTP/2.0"))
		Expect(srv.CACert()).To(BeNil())
		Expect(srv.Records()).To(ConsistOf(And(HaveField("Protocol", "HTTP/2.0"), HaveField("TLS", false))))
	})
})
