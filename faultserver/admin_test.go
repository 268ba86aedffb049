package faultserver_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
)

// adminDo sends an admin request and returns the status and body.
func adminDo(method, url, token, body string) (int, string, http.Header) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := freshClient(5 * time.Second).Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, string(b), resp.Header
}

var _ = Describe("the admin API", func() {
	var c *http.Client
	BeforeEach(func() { c = freshClient(5 * time.Second) })

	It("reports health", func() {
		srv := startServer("{}\n", faultserver.Options{})
		status, body, _ := adminDo("GET", srv.URL()+"/_chaos/health", "", "")
		Expect(status).To(Equal(200))
		Expect(body).To(ContainSubstring(`"status": "ok"`))
	})

	It("serves the script as YAML and replaces it without dropping a request in flight", func() {
		srv := startServer("phases: [{fault: {delay: 300ms, status: 503}}]\n", faultserver.Options{Seed: 4})
		status, body, h := adminDo("GET", srv.URL()+"/_chaos/script", "", "")
		Expect(status).To(Equal(200))
		Expect(h.Get("X-Chaos-Seed")).To(Equal("4"))
		spec, _, err := faultserver.ParseScript("got.yaml", []byte(body))
		Expect(err).NotTo(HaveOccurred())
		Expect(spec.Phases[0].Fault.Status).To(Equal(503))

		inFlight := make(chan int, 1)
		go func() {
			resp, _, err := call(freshClient(5*time.Second), "GET", srv.URL()+"/", "old")
			if err != nil {
				inFlight <- -1
				return
			}
			inFlight <- resp.StatusCode
		}()
		Eventually(func() int64 { return srv.Stats().InFlight }).Should(Equal(int64(1)))
		status, body, _ = adminDo("PUT", srv.URL()+"/_chaos/script", "", "phases: [{fault: {status: 418}}]\n")
		Expect(status).To(Equal(200), body)
		Expect(statuses(c, srv.URL()+"/", "new", 1)).To(Equal([]int{418}))
		Eventually(inFlight, 5*time.Second).Should(Receive(Equal(503)), "the old decision completes")
	})

	It("refuses a bad script with its line and field, and keeps the old one", func() {
		srv := startServer("phases: [{fault: {status: 503}}]\n", faultserver.Options{})
		status, body, _ := adminDo("PUT", srv.URL()+"/_chaos/script", "", "phases:\n  - fault: {stauts: 500}\n")
		Expect(status).To(Equal(400))
		Expect(body).To(ContainSubstring(`script:2:`))
		Expect(body).To(ContainSubstring(`phases[0].fault.stauts`))
		Expect(statuses(c, srv.URL()+"/", "a", 1)).To(Equal([]int{503}))
		status, _, _ = adminDo("PUT", srv.URL()+"/_chaos/script?seed=x", "", "{}\n")
		Expect(status).To(Equal(400))
	})

	It("serves the log from an offset as JSON lines", func() {
		srv := startServer("{}\n", faultserver.Options{})
		statuses(c, srv.URL()+"/", "a", 5)
		Eventually(srv.Stats).Should(HaveField("Requests", int64(5)))
		status, body, h := adminDo("GET", srv.URL()+"/_chaos/log?offset=3", "", "")
		Expect(status).To(Equal(200))
		Expect(h.Get("X-Chaos-Log-First")).To(Equal("3"))
		Expect(h.Get("X-Chaos-Log-Next")).To(Equal("5"))
		var recs []record.Record
		Expect(record.Read(strings.NewReader(body), func(r record.Record) error {
			recs = append(recs, r)
			return nil
		})).To(Succeed())
		Expect(recs).To(Equal(srv.Records()[3:]))
		status, _, _ = adminDo("GET", srv.URL()+"/_chaos/log?offset=-1", "", "")
		Expect(status).To(Equal(400))
	})

	It("says where the log starts when older Records are no longer kept", func() {
		srv := startServer("{}\n", faultserver.Options{LogLimit: 2})
		statuses(c, srv.URL()+"/", "a", 4)
		Eventually(srv.Stats).Should(HaveField("Requests", int64(4)))
		_, body, h := adminDo("GET", srv.URL()+"/_chaos/log?offset=0&limit=1", "", "")
		Expect(h.Get("X-Chaos-Log-First")).To(Equal("2"))
		Expect(h.Get("X-Chaos-Log-Next")).To(Equal("3"))
		Expect(strings.Count(body, "\n")).To(Equal(1))
	})

	It("counts requests per phase, fault and status", func() {
		srv := startServer("phases:\n  - {name: down, requests: 2, fault: {status: 503}}\n  - {name: up}\n", faultserver.Options{})
		statuses(c, srv.URL()+"/", "a", 3)
		Eventually(srv.Stats).Should(HaveField("Requests", int64(3)))
		_, body, _ := adminDo("GET", srv.URL()+"/_chaos/stats", "", "")
		var st faultserver.Stats
		Expect(json.Unmarshal([]byte(body), &st)).To(Succeed())
		Expect(st.Faults).To(Equal(map[string]int64{"status": 2, "none": 1}))
		Expect(st.Statuses).To(Equal(map[string]int64{"503": 2, "200": 1}))
		Expect(st.Phases).To(Equal([]faultserver.PhaseStats{
			{Phase: "down", Requests: 2, Faults: map[string]int64{"status": 2}},
			{Phase: "up", Requests: 1, Faults: map[string]int64{"none": 1}}}))
	})

	It("resets the phases and their clock", func() {
		srv := startServer("phases:\n  - {requests: 1, fault: {status: 503}}\n  - {}\n", faultserver.Options{})
		Expect(statuses(c, srv.URL()+"/", "a", 2)).To(Equal([]int{503, 200}))
		status, _, _ := adminDo("POST", srv.URL()+"/_chaos/reset", "", "")
		Expect(status).To(Equal(200))
		Expect(statuses(c, srv.URL()+"/", "a", 2)).To(Equal([]int{503, 200}))
	})

	It("lists its endpoints at /_chaos/, behind the token", func() {
		srv := startServer("{}\n", faultserver.Options{Admin: faultserver.AdminOptions{Token: "s3cret"}})
		status, body, _ := adminDo("GET", srv.URL()+"/_chaos/", "s3cret", "")
		Expect(status).To(Equal(200))
		var index struct{ Endpoints []string }
		Expect(json.Unmarshal([]byte(body), &index)).To(Succeed())
		Expect(index.Endpoints).To(ContainElements("GET /_chaos/stats", "POST /_chaos/reset"))
		status, _, _ = adminDo("GET", srv.URL()+"/_chaos/", "", "")
		Expect(status).To(Equal(401))
	})

	It("answers unknown endpoints and wrong methods clearly", func() {
		srv := startServer("{}\n", faultserver.Options{})
		status, body, _ := adminDo("GET", srv.URL()+"/_chaos/nope", "", "")
		Expect(status).To(Equal(404))
		Expect(body).To(ContainSubstring("GET /_chaos/stats"))
		status, _, _ = adminDo("DELETE", srv.URL()+"/_chaos/stats", "", "")
		Expect(status).To(Equal(405))
	})

	It("requires the bearer token when one is set", func() {
		srv := startServer("{}\n", faultserver.Options{Admin: faultserver.AdminOptions{Token: "s3cret"}})
		status, _, h := adminDo("GET", srv.URL()+"/_chaos/stats", "", "")
		Expect(status).To(Equal(401))
		Expect(h.Get("WWW-Authenticate")).To(HavePrefix("Bearer"))
		status, _, _ = adminDo("GET", srv.URL()+"/_chaos/stats", "wrong", "")
		Expect(status).To(Equal(401))
		status, _, _ = adminDo("GET", srv.URL()+"/metrics", "", "")
		Expect(status).To(Equal(401))
		status, _, _ = adminDo("GET", srv.URL()+"/_chaos/stats", "s3cret", "")
		Expect(status).To(Equal(200))
	})

	It("moves to an address of its own, leaving every path of the main listener to the script", func() {
		srv := startServer("phases: [{fault: {status: 503}}]\n", faultserver.Options{Admin: faultserver.AdminOptions{Addr: "127.0.0.1:0"}})
		Expect(srv.AdminURL()).NotTo(Equal(srv.URL()))
		status, _, _ := adminDo("GET", srv.AdminURL()+"/_chaos/health", "", "")
		Expect(status).To(Equal(200))
		status, _, _ = adminDo("GET", srv.URL()+"/_chaos/health", "", "")
		Expect(status).To(Equal(503))
	})

	It("can be turned off", func() {
		srv := startServer("phases: [{fault: {status: 503}}]\n", faultserver.Options{Admin: faultserver.AdminOptions{Off: true}})
		Expect(srv.AdminURL()).To(BeEmpty())
		status, _, _ := adminDo("GET", srv.URL()+"/metrics", "", "")
		Expect(status).To(Equal(503))
	})
})

var _ = Describe("the metrics", func() {
	It("count requests by route, phase, fault and status, and show requests in flight and hung", func() {
		srv := startServer(`
phases: [{name: down, fault: {status: 503}}]
routes: [{name: slow, path: /hang, phases: [{fault: {hang: 10s}}]}]
`, faultserver.Options{})
		c := freshClient(5 * time.Second)
		statuses(c, srv.URL()+"/a", "x", 2)
		go func() { _, _, _ = call(freshClient(5*time.Second), "GET", srv.URL()+"/hang", "h") }()
		Eventually(func() int64 { return srv.Stats().Hung }).Should(Equal(int64(1)))
		status, body, _ := adminDo("GET", srv.URL()+"/metrics", "", "")
		Expect(status).To(Equal(200))
		Expect(body).To(ContainSubstring(`chaos_requests_total{fault="status",phase="down",route="",status="503"} 2`))
		Expect(body).To(ContainSubstring("chaos_in_flight_requests 1"))
		Expect(body).To(ContainSubstring("chaos_hung_requests 1"))
		Expect(body).To(ContainSubstring(`chaos_request_duration_seconds_count{fault="status"} 2`))
		Expect(srv.Close()).To(Succeed())
	})

	It("sum the counts of every connection: counters, histograms and Stats agree with the Records", func() {
		srv := startServer("phases: [{name: down, requests: 7, fault: {status: 503}}]", faultserver.Options{})
		c := freshClient(5 * time.Second) // a connection per request: the counts are spread over shards
		got := statuses(c, srv.URL()+"/a", "x", 20)
		Expect(got[:7]).To(HaveEach(http.StatusServiceUnavailable))
		Expect(got[7:]).To(HaveEach(http.StatusOK))
		status, body, _ := adminDo("GET", srv.URL()+"/metrics", "", "")
		Expect(status).To(Equal(200))
		Expect(body).To(ContainSubstring(`chaos_requests_total{fault="status",phase="down",route="",status="503"} 7` + "\n"))
		Expect(body).To(ContainSubstring(`chaos_requests_total{fault="none",phase="default",route="",status="200"} 13` + "\n"))
		seconds := map[string]float64{}
		conns := map[uint64]bool{}
		for _, r := range srv.Records() {
			seconds[r.Fault] += r.LatencyMs / 1000
			conns[r.Conn] = true
		}
		Expect(conns).To(HaveLen(20))
		for fault, n := range map[string]int{"status": 7, "none": 13} {
			Expect(body).To(ContainSubstring(fmt.Sprintf(`chaos_request_duration_seconds_count{fault=%q} %d`+"\n", fault, n)))
			Expect(body).To(ContainSubstring(fmt.Sprintf(`chaos_request_duration_seconds_bucket{fault=%q,le="+Inf"} %d`+"\n", fault, n)))
			m := regexp.MustCompile(fmt.Sprintf(`chaos_request_duration_seconds_sum\{fault=%q\} (\S+)`, fault)).FindStringSubmatch(body)
			Expect(m).To(HaveLen(2))
			sum, err := strconv.ParseFloat(m[1], 64)
			Expect(err).NotTo(HaveOccurred())
			Expect(sum).To(BeNumerically("~", seconds[fault], 1e-12))
		}
		st := srv.Stats()
		Expect(st.Requests).To(Equal(int64(20)))
		Expect(st.Faults).To(Equal(map[string]int64{"status": 7, "none": 13}))
		Expect(st.Statuses).To(Equal(map[string]int64{"503": 7, "200": 13}))
	})
})
