package faultserver_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

// updateGolden, when set in the environment, makes the golden specs write
// their files instead of comparing with them.
const updateGolden = "CHAOS_UPDATE_GOLDEN"

// lockedBuffer is a bytes.Buffer that the log's flusher and the spec share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// goldenRequest is one request of the fixed sequence; advance moves the
// server's clock before it is sent.
type goldenRequest struct {
	advance              time.Duration
	method, path, body   string
	client, request, try string // X-Chaos-Client, X-Chaos-Request, X-Chaos-Attempt ("" for none)
}

// goldenSequence sends reqs one after another on one keep-alive connection
// and returns what came back: each response's status, headers (but Date,
// which net/http takes from the real clock) and body, one block per request.
func goldenSequence(base string, clock *resilience.VirtualClock, reqs []goldenRequest) string {
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var out strings.Builder
	for i, g := range reqs {
		clock.Advance(g.advance)
		var body io.Reader
		if g.body != "" {
			body = strings.NewReader(g.body)
		}
		req, err := http.NewRequest(g.method, base+g.path, body)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("User-Agent", "golden/1")
		for k, v := range map[string]string{record.HeaderClient: g.client, record.HeaderRequest: g.request, record.HeaderAttempt: g.try} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		resp, err := c.Do(req)
		Expect(err).NotTo(HaveOccurred())
		got, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Body.Close()).To(Succeed())
		fmt.Fprintf(&out, "#%d %s %s -> %s\n", i+1, g.method, g.path, resp.Status)
		keys := make([]string, 0, len(resp.Header))
		for k := range resp.Header {
			if k != "Date" {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&out, "%s: %s\n", k, strings.Join(resp.Header[k], ", "))
		}
		fmt.Fprintf(&out, "body %q\n", got)
	}
	return out.String()
}

// encoded is recs as JSON lines.
func encoded(recs []record.Record) string {
	var b bytes.Buffer
	ExpectWithOffset(1, record.WriteAll(&b, recs)).To(Succeed())
	return b.String()
}

// matchGolden compares got with testdata/golden/name, or writes it there
// when CHAOS_UPDATE_GOLDEN is set.
func matchGolden(name, got string) {
	path := filepath.Join("testdata", "golden", name)
	if os.Getenv(updateGolden) != "" {
		ExpectWithOffset(1, os.MkdirAll(filepath.Dir(path), 0o755)).To(Succeed())
		ExpectWithOffset(1, os.WriteFile(path, []byte(got), 0o644)).To(Succeed())
	}
	want, err := os.ReadFile(path)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	ExpectWithOffset(1, got).To(Equal(string(want)), "%s differs from the golden (regenerate with %s=1 only if the change is meant)", name, updateGolden)
}

// The wire and the log of a fixed request sequence, against files written by
// the server before its fast path (no mux on fault requests, the arrival
// log's cheaper append): the fast path must not change a byte of either.
var _ = Describe("the wire and the log of a fixed request sequence", func() {
	script := `
response: {headers: {X-Served-By: golden}}
phases:
  - {name: calm, duration: 1s}
  - {name: storm, duration: 1s, fault: {status: 503, retry_after: 2s}}
  - {name: throttle, duration: 1s, fault: {status: 429, retry_after_date: 3s, body: "slow down"}}
  - {name: after}
routes:
  - {name: orders-post, path: /api/orders, methods: [POST], phases: [{name: post, fault: {status: 409}}]}
`
	sequence := []goldenRequest{
		{method: "GET", path: "/api/orders", client: "a", request: "r1", try: "1"},
		{method: "HEAD", path: "/api/orders?x=1", client: "a", request: "r2", try: "1"},
		{method: "POST", path: "/api/orders", body: "hello", client: "b", request: "r3", try: "1"},
		{method: "GET", path: "/a%20b/c%2Fd", client: "a", request: "r4", try: "2"},
		{advance: 1100 * time.Millisecond, method: "GET", path: "/api/orders", client: "a", request: "r5", try: "1"},
		{method: "DELETE", path: "/api/orders/7", request: "r6"}, // keyed by address and User-Agent
		{advance: time.Second, method: "GET", path: "/api/orders", client: "c", request: "r7", try: "3"},
		{advance: 1500 * time.Millisecond, method: "PUT", path: "/x", body: "{}", client: "c", request: "r8"},
		{method: "GET", path: "//double//slash/../dots", client: "c", request: "r9"},
	}

	It("answers and logs byte for byte as the golden files say", func() {
		clock := resilience.NewVirtualClock(time.Date(2030, time.March, 1, 12, 0, 0, 0, time.UTC))
		log := &lockedBuffer{}
		spec, _, err := faultserver.ParseScript("golden.yaml", []byte(script))
		Expect(err).NotTo(HaveOccurred())
		srv, err := faultserver.NewStarted(spec, faultserver.Options{Clock: clock, Log: log})
		Expect(err).NotTo(HaveOccurred())
		wire := goldenSequence(srv.URL(), clock, sequence)
		Expect(srv.Close()).To(Succeed())
		matchGolden("wire.txt", wire)
		matchGolden("log.jsonl", log.String())
		Expect(encoded(srv.Records())).To(Equal(log.String()), "the Records kept in memory are the ones logged")
	})

	It("proxies and logs byte for byte as the golden files say", func() {
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Upstream-Saw", fmt.Sprintf("%s %s %q", r.Method, r.URL.RequestURI(), body))
			if r.URL.Path == "/busy" {
				w.Header().Set("Retry-After", "4")
				w.WriteHeader(http.StatusServiceUnavailable)
			}
			_, _ = io.WriteString(w, "from upstream\n")
		}))
		defer upstream.Close()
		clock := resilience.NewVirtualClock(time.Date(2030, time.March, 1, 12, 0, 0, 0, time.UTC))
		log := &lockedBuffer{}
		spec, _, err := faultserver.ParseScript("golden.yaml", []byte(script))
		Expect(err).NotTo(HaveOccurred())
		srv, err := faultserver.NewStarted(spec, faultserver.Options{Clock: clock, Log: log, Upstream: upstream.URL})
		Expect(err).NotTo(HaveOccurred())
		proxied := append(slices.Clone(sequence[:1]),
			goldenRequest{method: "PUT", path: "/api/items/1?v=2", body: "payload", client: "a", request: "p2", try: "1"},
			goldenRequest{method: "GET", path: "/busy", client: "a", request: "p3", try: "1"},
		)
		proxied = append(proxied, sequence[4:]...)
		wire := goldenSequence(srv.URL(), clock, proxied)
		Expect(srv.Close()).To(Succeed())
		matchGolden("proxy_wire.txt", wire)
		matchGolden("proxy_log.jsonl", log.String())
		Expect(encoded(srv.Records())).To(Equal(log.String()), "the Records kept in memory are the ones logged")
	})
})
