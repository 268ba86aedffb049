package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/record"
)

var _ = Describe("chaos serve: streams and faults after the work", func() {
	It("streams server-sent events and logs how far the stream got", func() {
		dir := GinkgoT().TempDir()
		logPath := filepath.Join(dir, "arrivals.jsonl")
		sv := startServe("--log", logPath, "--scenario",
			writeFile("s.yaml", "phases: [{fault: {stream: {events: 3, every: 10ms, cut_after: 2}}}]\n"))
		status, body := get(sv.url+"/events", "c1")
		Expect(status).To(Equal(200))
		// Two events of 21 bytes, then the cut (the client's read ends in EOF).
		Expect(body).To(Equal("id: 1\ndata: event 1\n\nid: 2\ndata: event 2\n\n"))
		Expect(sv.shutdown()).To(BeZero())
		data, err := os.ReadFile(logPath)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring(`"fault":"stream","status":200,"retry_after_ms":0,`))
		Expect(string(data)).To(ContainSubstring(`"body_bytes":42,"incomplete":true,"stream_events":2,"protocol":"HTTP/1.1"}`))
	})

	It("exits 2 naming the field of an after_upstream fault without --upstream", func() {
		path := writeFile("lost-ack.yaml", "phases: [{fault: {reset: true, after_upstream: true}}]\n")
		r := chaos("serve", "--addr", "127.0.0.1:0", "--scenario", path)
		Expect(r.code).To(Equal(exitBadInput))
		Expect(r.stderr).To(ContainSubstring("phases[0].fault.after_upstream: needs proxy mode"))
		Expect(r.stdout).To(BeEmpty())
	})

	It("forwards an after_upstream fault's request, and analyze counts the work done twice", func() {
		var orders atomic.Int64
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			orders.Add(1)
			w.WriteHeader(http.StatusCreated)
		}))
		DeferCleanup(upstream.Close)
		dir := GinkgoT().TempDir()
		logPath := filepath.Join(dir, "arrivals.jsonl")
		sv := startServe("--log", logPath, "--upstream", upstream.URL, "--scenario",
			writeFile("lost-ack.yaml", "phases: [{requests: 1, fault: {status: 503, after_upstream: true}}, {}]\n"))
		// One logical POST with no Idempotency-Key: a 503 after the work, then
		// its retry forwarded: 2 orders.
		for attempt := 1; attempt <= 2; attempt++ {
			req, _ := http.NewRequest(http.MethodPost, sv.url+"/api/orders", strings.NewReader("x"))
			req.Header.Set(record.HeaderClient, "c1")
			req.Header.Set(record.HeaderRequest, "c1/1")
			req.Header.Set(record.HeaderAttempt, strconv.Itoa(attempt))
			resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
			Expect(err).NotTo(HaveOccurred())
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			Expect(resp.StatusCode).To(Equal([]int{503, 201}[attempt-1]))
		}
		Expect(orders.Load()).To(Equal(int64(2)))
		Expect(sv.shutdown()).To(BeZero())

		out := filepath.Join(dir, "out")
		r := chaos("analyze", logPath, "--out", out, "--quiet")
		Expect(r.code).To(BeZero(), r.stderr)
		data, err := os.ReadFile(filepath.Join(out, "result.json"))
		Expect(err).NotTo(HaveOccurred())
		var res struct {
			Policies []struct {
				DuplicateEffects       *int `json:"duplicate_effects"`
				UnsafeDuplicateEffects *int `json:"unsafe_duplicate_effects"`
			} `json:"policies"`
		}
		Expect(json.Unmarshal(data, &res)).To(Succeed())
		Expect(res.Policies).To(HaveLen(1))
		Expect(res.Policies[0].DuplicateEffects).To(HaveValue(Equal(1)))
		Expect(res.Policies[0].UnsafeDuplicateEffects).To(HaveValue(Equal(1)))
		report, err := os.ReadFile(filepath.Join(out, "report.md"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(report)).To(ContainSubstring("Work done twice"))
	})
})
