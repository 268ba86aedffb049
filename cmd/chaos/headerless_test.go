package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/chaostest"
	"github.com/chaos-harness/chaos/faultserver"
)

// The header-less client of the agreement spec: headerlessThreads Go
// goroutines on one host, each with a keep-alive connection of its own,
// making headerlessRequests logical requests each, and curl, a new process
// and connection per attempt, making headerlessCurl. Neither sends an
// X-Chaos-* header; both retry a failure after headerlessPause, whatever
// Retry-After asks.
const (
	headerlessThreads  = 4
	headerlessRequests = 2
	headerlessCurl     = 2
	headerlessPause    = 5 * time.Millisecond
	headerlessTries    = 6 // attempts per logical request at most
)

// driveHeaderless runs the header-less client against url (base URL and
// path) and returns the first error it met.
func driveHeaderless(url string) error {
	var wg sync.WaitGroup
	errs := make(chan error, headerlessThreads*headerlessRequests+headerlessCurl)
	for range headerlessThreads {
		wg.Go(func() {
			// One connection at most: a request waits for the idle one rather
			// than racing the transport's return of it with a new dial.
			tr := &http.Transport{MaxConnsPerHost: 1}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: tr, Timeout: 5 * time.Second}
			for range headerlessRequests {
				errs <- untilOK(func() (int, error) { return goGet(hc, url) })
			}
		})
	}
	wg.Go(func() {
		for range headerlessCurl {
			errs <- untilOK(func() (int, error) { return curlGet(url) })
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// untilOK makes one logical request: attempts until a 2xx, pausing
// headerlessPause between them.
func untilOK(attempt func() (int, error)) error {
	for range headerlessTries {
		status, err := attempt()
		if err != nil {
			return err
		}
		if status >= 200 && status < 300 {
			return nil
		}
		time.Sleep(headerlessPause)
	}
	return fmt.Errorf("no success in %d attempts", headerlessTries)
}

func goGet(hc *http.Client, url string) (int, error) {
	resp, err := hc.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body) // read to the end, so the connection is kept
	return resp.StatusCode, err
}

func curlGet(url string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url).Output()
	if err != nil {
		return 0, fmt.Errorf("curl: %w", err)
	}
	var status int
	_, err = fmt.Sscan(string(out), &status)
	return status, err
}

// TestHeaderlessClient is the header-less client as a process of its own,
// for `chaos check --client`: this test binary run with
// CHAOS_HEADERLESS_CLIENT=1 and -test.run. Otherwise it does nothing.
func TestHeaderlessClient(t *testing.T) {
	if os.Getenv("CHAOS_HEADERLESS_CLIENT") != "1" {
		t.Skip("the client of the header-less agreement spec; it runs when chaos check starts it")
	}
	if err := driveHeaderless(os.Getenv("CHAOS_URL") + os.Getenv("CHAOS_PATH")); err != nil {
		t.Fatal(err)
	}
}

var _ = Describe("a client that sends no X-Chaos-* headers", func() {
	// The script fails the first 3 requests with a 429 asking for 1 s, then
	// serves. 4 threads × 2 logical requests and curl's 2 are 10 logical
	// requests; each of the 3 failures is retried after 5 ms, within the
	// same logical request, as the next arrival on its connection (a
	// thread) or of curl's address and User-Agent. So 13 attempts,
	// amplification 13 / 10 = 1.3, and 3 retries followed a Retry-After, all
	// 3 early (5 ms < 1 s): whichever threads drew the 429s.
	const script = `phases: [{requests: 3, fault: {status: 429, retry_after: 1s}}, {}]`

	BeforeEach(func() {
		if _, err := exec.LookPath("curl"); err != nil {
			Skip("needs curl")
		}
	})

	It("gets the same amplification and violations from analyze, check --client and chaostest", func() {
		dir := GinkgoT().TempDir()
		logPath := filepath.Join(dir, "arrivals.jsonl")
		logFile, err := os.Create(logPath)
		Expect(err).NotTo(HaveOccurred())
		spec, _, err := faultserver.ParseScript("script", []byte(script))
		Expect(err).NotTo(HaveOccurred())
		fs, err := faultserver.NewStarted(spec, faultserver.Options{Log: logFile, Admin: faultserver.AdminOptions{Off: true}})
		Expect(err).NotTo(HaveOccurred())
		Expect(driveHeaderless(fs.URL() + "/api/orders")).To(Succeed())
		Expect(fs.Close()).To(Succeed())
		Expect(logFile.Close()).To(Succeed())

		// chaostest, on the server's Records.
		Expect(fs).To(chaostest.HaveAmplification(BeNumerically("==", 1.3)))
		Expect(fs).To(chaostest.HaveAttemptsPerRequest(BeNumerically("<=", 4)))
		honour := chaostest.HonourRetryAfter()
		Expect(honour.Match(fs)).To(BeFalse())
		Expect(honour.FailureMessage(fs)).To(ContainSubstring("retry_after_violations 3 (3 of 3 retries after a Retry-After came early)"))

		// chaos analyze, on the log.
		out := filepath.Join(dir, "report")
		r := chaos("analyze", logPath, "--out", out)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		res := readResultFile(filepath.Join(out, "result.json"))
		p := res.Policies[0]
		Expect(p.Attempts).To(Equal(13))
		Expect(p.LogicalRequests).To(Equal(10))
		Expect(p.Amplification).To(HaveValue(BeNumerically("~", 1.3, 1e-12)))
		Expect(p.RetryAfterRetries).To(HaveValue(Equal(3)))
		Expect(p.RetryAfterViolations).To(HaveValue(Equal(3)))
		// 8 Go requests (and retries) on 4 keep-alive connections, curl's per
		// address and User-Agent.
		Expect(res.Notes).To(ContainElement(MatchRegexp(`client: 13 attempts carried neither X-Chaos-Request nor X-Chaos-Attempt, so they were grouped by inference: \d+ on 4 keep-alive connections`)))

		// chaos check --client, with the same client as a process of its own.
		client := "CHAOS_HEADERLESS_CLIENT=1 exec " + shellQuote(os.Args[0]) + " -test.run '^TestHeaderlessClient$'"
		r = chaos("check", "testdata/check/headerless.yaml", "--client", client)
		Expect(r.stdout).To(MatchRegexp(`client\s+amplification\s+== 1.3\s+1.3\s+ok`))
		Expect(r.stdout).To(MatchRegexp(`client\s+retry_after_violations\s+== 0\s+3\s+FAILED`))
		Expect(r.stdout).To(ContainSubstring("note: client: 13 attempts carried neither X-Chaos-Request nor X-Chaos-Attempt"))
		Expect(r.code).To(Equal(exitFailed), r.stdout+r.stderr)
	})
})

var _ = Describe("chaos analyze of a log whose attempts cannot be grouped", func() {
	It("writes amplification and the Retry-After counts as null, says why, and shows them as unknown", func() {
		// Three curl processes at once from one host (one key): the arrivals at
		// 10 and 20 come while the request at 0 is answered until 50.
		line := `{"t_ms":%d,"client":"127.0.0.1 curl/7.88.1","conn":%d,"request":"","attempt":0,"method":"GET","path":"/x","phase":"p","fault":"%s","status":%d,"retry_after_ms":%d,"latency_ms":%d}` + "\n"
		log := fmt.Sprintf(line, 0, 1, "none", 200, 0, 50) +
			fmt.Sprintf(line, 10, 2, "status", 503, 1000, 1) +
			fmt.Sprintf(line, 20, 3, "none", 200, 0, 1)
		dir := GinkgoT().TempDir()
		logPath := filepath.Join(dir, "parallel.jsonl")
		Expect(os.WriteFile(logPath, []byte(log), 0o644)).To(Succeed())
		out := filepath.Join(dir, "report")
		r := chaos("analyze", logPath, "--out", out)
		Expect(r.code).To(Equal(exitOK), r.stderr)
		Expect(r.stdout).To(ContainSubstring("with an unknown number of attempts per logical request"))

		data, err := os.ReadFile(filepath.Join(out, "result.json"))
		Expect(err).NotTo(HaveOccurred())
		var doc struct {
			Policies []map[string]any `json:"policies"`
			Notes    []string         `json:"notes"`
		}
		Expect(json.Unmarshal(data, &doc)).To(Succeed())
		for _, field := range []string{"amplification", "retry_after_violations", "retry_after_retries"} {
			Expect(doc.Policies[0]).To(HaveKeyWithValue(field, BeNil()), field)
		}
		Expect(doc.Notes).To(ContainElement(ContainSubstring("client: amplification, retry_after_violations and retry_after_retries are unknown (null)")))
		md, err := os.ReadFile(filepath.Join(out, "report.md"))
		Expect(err).NotTo(HaveOccurred())
		// The outcome row: as grouped, 2 logical requests (the 200 at 0; the
		// 503 at 10 and the 200 at 20 taken for its retry), both succeeded, in
		// 3 attempts; amplification unknown. The load row: both Retry-After
		// counts unknown.
		Expect(string(md)).To(ContainSubstring("| client | 2 | 2 | 100.00% | 34.2% – 100.00% | 3 | – |"))
		Expect(string(md)).To(MatchRegexp(`\| client \| [^|]+ \| [^|]+ \| 3 \| – \| – \|`))
	})
})

// readResultFile reads a result.json.
func readResultFile(path string) analysis.Result {
	GinkgoHelper()
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var res analysis.Result
	Expect(json.Unmarshal(data, &res)).To(Succeed())
	return res
}
