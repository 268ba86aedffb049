package faultserver_test

import (
	"bytes"
	"cmp"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/resilience"
)

var _ = Describe("a fault after the work (after_upstream)", func() {
	// The upstream creates an order per POST and answers 201: what it got
	// is the side effects.
	var upstream *httptest.Server
	var mu sync.Mutex
	var created []string
	BeforeEach(func() {
		mu.Lock()
		created = nil
		mu.Unlock()
		upstream = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			created = append(created, string(body))
			mu.Unlock()
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"order":"created"}`)
		}))
		DeferCleanup(upstream.Close)
	})
	effects := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), created...)
	}
	post := func(url, body string, key bool) (*http.Response, string, error) {
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		Expect(err).NotTo(HaveOccurred())
		if key {
			req.Header.Set("Idempotency-Key", "k-"+body)
		}
		resp, err := freshClient(5 * time.Second).Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		got, err := io.ReadAll(resp.Body)
		return resp, string(got), err
	}

	DescribeTable("lets the request reach the upstream, then gives the client the fault instead of its answer",
		func(fault string, check func(resp *http.Response, body string, err error), status int, kind string) {
			srv := startServer("phases: [{requests: 1, fault: "+fault+"}, {}]\n", faultserver.Options{Upstream: upstream.URL})
			resp, body, err := post(srv.URL()+"/api/orders", "first", false)
			check(resp, body, err)
			Expect(effects()).To(Equal([]string{"first"}), "the upstream did the work, body intact")
			// The retry is forwarded as any request with no fault: a second
			// order, with the upstream's own answer.
			resp, body, err = post(srv.URL()+"/api/orders", "retry", true)
			Expect(err).NotTo(HaveOccurred())
			Expect([]any{resp.StatusCode, body}).To(Equal([]any{201, `{"order":"created"}`}))
			Expect(effects()).To(Equal([]string{"first", "retry"}))

			// In the order of acceptance: a Record is logged when its request
			// ends, and a hang's may come after the retry's.
			recs := waitRecords(srv, 2)
			slices.SortFunc(recs, func(a, b record.Record) int { return cmp.Compare(a.TMs, b.TMs) })
			Expect([]any{recs[0].Fault, recs[0].Status, recs[0].UpstreamStatus, recs[0].IdempotencyKey}).
				To(Equal([]any{kind, status, 201, false}))
			Expect([]any{recs[1].Fault, recs[1].Status, recs[1].UpstreamStatus, recs[1].IdempotencyKey}).
				To(Equal([]any{record.FaultNone, 201, 201, true}))
		},
		Entry("a reset", "{reset: true, after_upstream: true}", func(_ *http.Response, _ string, err error) {
			Expect(resilience.Classify(err)).To(Equal(resilience.ClassReset), "%v", err)
		}, 0, record.FaultReset),
		Entry("a 503", "{status: 503, after_upstream: true}", func(resp *http.Response, body string, err error) {
			Expect(err).NotTo(HaveOccurred())
			Expect([]any{resp.StatusCode, body, resp.Header.Get(record.HeaderFault)}).
				To(Equal([]any{503, "Service Unavailable\n", record.FaultStatus}))
		}, 503, record.FaultStatus),
		Entry("a hang the server ends with a close", "{hang: 50ms, after_upstream: true}", func(_ *http.Response, _ string, err error) {
			Expect(resilience.Classify(err)).To(Equal(resilience.ClassEOF), "%v", err)
		}, 0, record.FaultHang),
	)

	It("leaves upstream_status out when the upstream gave no answer", func() {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		srv := startServer("phases: [{requests: 1, fault: {status: 503, after_upstream: true}}, {}]\n", faultserver.Options{Upstream: down.URL})
		for range 2 {
			_, _, err := post(srv.URL()+"/", "x", false)
			Expect(err).NotTo(HaveOccurred())
		}
		recs := waitRecords(srv, 2)
		Expect([]any{recs[0].Status, recs[0].UpstreamStatus}).To(Equal([]any{503, 0}))
		Expect([]any{recs[1].Status, recs[1].UpstreamStatus}).To(Equal([]any{502, 0}), "the proxy's own 502")
		var line bytes.Buffer
		Expect(record.WriteAll(&line, recs[:1])).To(Succeed())
		Expect(line.String()).NotTo(ContainSubstring("upstream_status"))
	})

	It("is refused on a server with no upstream, at the start and in a swap", func() {
		spec, _, err := faultserver.ParseScript("s.yaml", []byte("phases: [{fault: {reset: true, after_upstream: true}}]\n"))
		Expect(err).NotTo(HaveOccurred())
		_, err = faultserver.New(spec, faultserver.Options{})
		Expect(err).To(MatchError(ContainSubstring("phases[0].fault.after_upstream: needs proxy mode")))

		srv := startServer("{}\n", faultserver.Options{})
		resp, err := http.Post(srv.AdminURL()+"/_chaos/script", "application/yaml",
			strings.NewReader("phases: [{fault: {status: 503, after_upstream: true}}]\n"))
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(400))
		Expect(string(body)).To(ContainSubstring("needs proxy mode"))
		Expect(srv.Script().Spec().AfterUpstreamFields()).To(BeEmpty(), "the old script stays in force")
	})

	It("names each after_upstream of a spec, and refuses one with no fault to answer with", func() {
		spec, _, err := faultserver.ParseScript("s.yaml", []byte(`
phases: [{requests: 1, fault: {status: 503, after_upstream: true}}, {mix: [{weight: 1}, {weight: 1, fault: {reset: true, after_upstream: true}}]}]
routes: [{path: /a, response: {close: true, after_upstream: true}}]
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(spec.AfterUpstreamFields()).To(Equal([]string{"phases[0].fault.after_upstream",
			"phases[1].mix[1].fault.after_upstream", "routes[0].response.after_upstream"}))
		_, _, err = faultserver.ParseScript("s.yaml", []byte("phases: [{fault: {delay: 1s, after_upstream: true}}]\n"))
		Expect(err).To(MatchError(ContainSubstring("phases[0].fault.after_upstream: needs a fault to answer with")))
	})
})
